// Makes the built package resolvable from its own root, as an installed package would be:
// `npx chroma-inspector …` (node_modules/.bin) and `import "chroma-inspector"`.
import { chmodSync, existsSync, lstatSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const link = (target, path) => {
  mkdirSync(dirname(path), { recursive: true });
  if (existsSync(path) || (() => { try { return lstatSync(path).isSymbolicLink(); } catch { return false; } })()) rmSync(path, { recursive: false, force: true });
  symlinkSync(relative(dirname(path), target), path);
};
chmodSync(join(root, 'dist/cli.js'), 0o755);
link(root, join(root, 'node_modules/chroma-inspector'));
link(join(root, 'dist/cli.js'), join(root, 'node_modules/.bin/chroma-inspector'));
console.log('linked chroma-inspector (bin and package) into node_modules');
