// Installs dependencies on a fresh clone before `npm start` / `npm test`, using only Node built-ins.
// Electron's binary download is skipped here (offline machines fail it); `npm start` fetches it
// on demand and falls back to the browser UI when it cannot.
// With --build it also builds when the sources are newer than dist/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, env = process.env) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);
const newestIn = (dir) => {
  let t = 0;
  for (const e of existsSync(dir) ? readdirSync(dir, { withFileTypes: true, recursive: true }) : []) {
    if (e.isFile()) t = Math.max(t, mtime(join(e.parentPath ?? e.path, e.name)));
  }
  return t;
};

const marker = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(marker) || mtime(join(root, 'package-lock.json')) > mtime(marker) + 1000) {
  console.log('Installing dependencies (first run)…');
  run('npm', ['install', '--no-audit', '--no-fund'], { ELECTRON_SKIP_BINARY_DOWNLOAD: '1', ...process.env });
}
// Our addon (docs/native.md) is built by `npm install`; a node_modules that came from elsewhere
// (a copy, an install with scripts off) gets it here. Its build never fails: without it, checkpoint
// builds insert on one thread.
// A build that failed (native/.build-failed) is not retried until the sources change.
const addon = join(root, 'native', 'build', 'Release', 'chroma_inspector_hnsw.node');
const addonSources = Math.max(...['binding.gyp', 'build.mjs', ...readdirSync(join(root, 'native')).filter((f) => f.endsWith('.cc') || f.endsWith('.h'))].map((f) => mtime(join(root, 'native', f))));
const lastTry = Math.max(mtime(addon), mtime(join(root, 'native', '.build-failed')));
if (process.env.CHROMA_INSPECTOR_NATIVE !== 'off' && addonSources > lastTry) run(process.execPath, [join(root, 'native', 'build.mjs')]);
if (process.argv.includes('--build')) {
  const sources = Math.max(newestIn(join(root, 'src-main')), newestIn(join(root, 'src-renderer')), newestIn(join(root, 'shared')));
  if (sources > Math.min(mtime(join(root, 'dist/cli.js')), mtime(join(root, 'dist-renderer/index.html')))) {
    console.log('Building…');
    run('npm', ['run', 'build']);
  }
}
