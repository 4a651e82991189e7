// Builds Chroma Inspector's addon (native/, docs/native.md) with node-gyp: run by `npm install`
// (this package's install script, in the repo and where the package is installed) and by
// scripts/ensure-installed.mjs when the addon is missing. It never fails the install: where it
// cannot build, checkpoint builds insert through hnswlib-node on one thread instead, and the
// engine says why (engine/hnsw/parallel-insert.ts). CHROMA_INSPECTOR_NATIVE=off skips it.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const addon = join(here, 'build', 'Release', 'chroma_inspector_hnsw.node');
/** Written when a build fails, so that ensure-installed.mjs does not retry until the sources change. */
const FAILED_STAMP = join(here, '.build-failed');
const API = 1; // engine/hnsw/parallel-insert.ts PARALLEL_ADDON_API
// A compile takes seconds; a header download that stalls (a proxy) must not hold the install.
const BUILD_TIMEOUT_MS = 10 * 60_000;
const say = (m) => console.log(`chroma-inspector: ${m}`);
const fallback = 'checkpoint builds will insert on one thread (hnswlib-node); see docs/native.md';
const text = (r) => `${String(r.stdout ?? '')}${String(r.stderr ?? '')}`.trim();

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

/** Removes a partial build (a file another process holds open, on Windows, may stay: it is then not loaded). */
function removeBuild() {
  try {
    rmSync(join(here, 'build'), { recursive: true, force: true });
  } catch {
    // left in place; parallel-insert.ts checks what it loads
  }
}

function failed(message) {
  removeBuild();
  try {
    writeFileSync(FAILED_STAMP, `${new Date().toISOString()} ${message}\n`);
  } catch {
    // a read-only install: ensure-installed.mjs will try again, which is harmless
  }
  say(`${message}; ${fallback}`);
}

function main() {
  if (process.env.CHROMA_INSPECTOR_NATIVE === 'off') return say(`not building the parallel-insert addon (CHROMA_INSPECTOR_NATIVE=off); ${fallback}`);
  rmSync(FAILED_STAMP, { force: true });
  const gyp = findNodeGyp();
  if (!gyp) return failed('node-gyp was not found, so the parallel-insert addon was not built');
  // Node's headers: where npm's config says (npm passes it on to install scripts), else the ones
  // installed beside this Node (official builds and distribution packages carry them), which
  // spares node-gyp a download; else node-gyp downloads them.
  const prefix = join(dirname(process.execPath), '..');
  const local = !process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'));
  const args = [gyp, 'rebuild', ...(local ? [`--nodedir=${prefix}`] : [])];
  const options = { cwd: here, encoding: 'utf8', env: process.env, timeout: BUILD_TIMEOUT_MS };
  let build = spawnSync(process.execPath, args, options);
  let avx2 = build.status === 0;
  // A compiler without AVX2 and FMA (the second build, x64 only): the baseline alone. Not after a
  // timeout: the second attempt would wait as long again.
  if (!avx2 && !build.error) build = spawnSync(process.execPath, [...args, '--', '-Dwith_avx2=0'], options);
  if (build.status !== 0) {
    const log = text(build).split('\n').slice(-15).join('\n');
    return failed(`building the parallel-insert addon failed (${build.error?.message ?? `exit ${build.status}`})\n${log}`);
  }
  const check = spawnSync(process.execPath, ['-e', `const m = require(${JSON.stringify(addon)}); if (m.apiVersion !== ${API}) throw new Error('API ' + m.apiVersion);`], { encoding: 'utf8', timeout: 60_000 });
  if (check.status !== 0) return failed(`the parallel-insert addon was built but does not load (${text(check).split('\n').at(-1) || check.error?.message})`);
  avx2 &&= existsSync(addon.replace(/\.node$/, '_avx2.node'));
  say(`built the parallel-insert addon (native/build/Release/chroma_inspector_hnsw.node${avx2 ? ', and its AVX2 build' : ''})`);
}

try {
  main();
} catch (err) {
  say(`the parallel-insert addon was not built (${err instanceof Error ? err.message : String(err)}); ${fallback}`);
}
process.exitCode = 0;
