// Bundles a TypeScript entry with esbuild for a test to run in another thread or process, so the
// test runs the current code without `npm run build`. The output sits under node_modules/.cache
// so the bundle resolves better-sqlite3 and hnswlib-node from the repo; `.mjs` because Node gives
// files below node_modules no package "type".
import { mkdirSync, mkdtempSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from './paths.js';

/** The bundled file, in a fresh folder of its own (returned too, for files that go beside it). */
export async function bundleEntry(entry: string): Promise<{ file: string; dir: string }> {
  const cache = join(repoRoot, 'node_modules', '.cache', 'chroma-inspector-tests');
  mkdirSync(cache, { recursive: true });
  const name = basename(entry).replace(/\.ts$/, '');
  const dir = mkdtempSync(join(cache, `${name}-`));
  const file = join(dir, `${name}.mjs`);
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: file, logLevel: 'silent' });
  return { file, dir };
}
