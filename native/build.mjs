// Builds Chroma Inspector's addon (native/, docs/native.md) with node-gyp: run by `npm install`
// (this package's install script, in the repo and where the package is installed) and by
// scripts/ensure-installed.mjs when the addon is missing. It never fails the install: where it
// cannot build, checkpoint builds insert through hnswlib-node on one thread instead, and the
// engine says why (engine/hnsw/parallel-insert.ts). CHROMA_INSPECTOR_NATIVE=off skips it.
import { existsSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const addon = join(here, 'build', 'Release', 'chroma_inspector_hnsw.node');
const API = 1; // engine/hnsw/parallel-insert.ts PARALLEL_ADDON_API
const say = (m) => console.log(`chroma-inspector: ${m}`);
const fallback = 'checkpoint builds will insert on one thread (hnswlib-node); see docs/native.md';

/** node-gyp: npm's own (npm names it to install scripts), one in node_modules, or the one beside this Node's npm. */
function findNodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  try {
    candidates.push(createRequire(join(here, '..', 'package.json')).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed as a package here
  }
  const prefix = dirname(process.execPath);
  candidates.push(join(prefix, '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(prefix, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => c && existsSync(c)) ?? null;
}

let avx2 = false;

function main() {
  if (process.env.CHROMA_INSPECTOR_NATIVE === 'off') return say(`not building the parallel-insert addon (CHROMA_INSPECTOR_NATIVE=off); ${fallback}`);
  const gyp = findNodeGyp();
  if (!gyp) return say(`node-gyp was not found, so the parallel-insert addon was not built; ${fallback}`);
  // Node's headers: where npm's config says (npm passes it on to install scripts), else the ones
  // installed beside this Node (official builds and distribution packages carry them), which
  // spares node-gyp a download; else node-gyp downloads them.
  const prefix = join(dirname(process.execPath), '..');
  const local = !process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'));
  const args = [gyp, 'rebuild', ...(local ? [`--nodedir=${prefix}`] : [])];
  let build = spawnSync(process.execPath, args, { cwd: here, encoding: 'utf8', env: process.env });
  // A compiler without AVX2 and FMA (the second build, x64 only): the baseline alone.
  if (build.status === 0) avx2 = true;
  else build = spawnSync(process.execPath, [...args, '--', '-Dwith_avx2=0'], { cwd: here, encoding: 'utf8', env: process.env });
  if (build.status !== 0) {
    rmSync(join(here, 'build'), { recursive: true, force: true });
    const log = `${build.stdout ?? ''}${build.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    return say(`building the parallel-insert addon failed (${build.error?.message ?? `exit ${build.status}`}); ${fallback}\n${log}`);
  }
  const check = spawnSync(process.execPath, ['-e', `const m = require(${JSON.stringify(addon)}); if (m.apiVersion !== ${API}) throw new Error('API ' + m.apiVersion);`], { encoding: 'utf8' });
  if (check.status !== 0) {
    rmSync(join(here, 'build'), { recursive: true, force: true });
    return say(`the parallel-insert addon was built but does not load (${check.stderr.trim().split('\n').at(-1)}); ${fallback}`);
  }
  const second = avx2 && existsSync(addon.replace(/\.node$/, '_avx2.node')) ? ', and its AVX2 build' : '';
  say(`built the parallel-insert addon (native/build/Release/chroma_inspector_hnsw.node${second})`);
}

main();
