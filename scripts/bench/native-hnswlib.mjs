// A copy of hnswlib-node compiled for this CPU (-O3 -march=native), cached beside the bench
// folders, for the 5M builder only. The stock addon is compiled for any x86-64 and so computes
// distances with SSE; with AVX2/AVX-512 the same inserts run ~1.7x faster on the bench machine.
// The index files it writes are hnswlib's format either way: only the float summation order of a
// distance differs, so neighbour choices may differ as they do between any two builds, and
// verify-bench-folder.mjs checks the folder against real Chroma's answers all the same.
// Returns the package directory to load, or null (then the builder uses the stock addon).
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

export function nativeHnswlib(root, cacheDir, log) {
  const dir = join(cacheDir, 'hnswlib-node-native');
  const require = createRequire(join(root, 'package.json'));
  if (existsSync(join(dir, 'build', 'Release', 'addon.node'))) return withDependencies(dir, require);
  let gyp;
  try {
    gyp = require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    log('node-gyp is not installed: the stock hnswlib-node addon builds the folder, more slowly');
    return null;
  }
  const stock = dirname(require.resolve('hnswlib-node/package.json'));
  rmSync(dir, { recursive: true, force: true });
  cpSync(stock, dir, { recursive: true, filter: (p) => !p.includes(`${stock}/build`) });
  // node-gyp's headers: the ones Node was installed with (Debian puts them in /usr/include/node),
  // as `npm install` finds them; node-gyp would otherwise try to download them.
  const nodedir = dirname(dirname(process.execPath));
  const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, CXXFLAGS: '-O3 -march=native', NODE_PATH: join(root, 'node_modules') },
  });
  if (r.status !== 0 || !existsSync(join(dir, 'build', 'Release', 'addon.node'))) {
    log(`could not compile hnswlib-node for this CPU (the stock addon builds the folder, more slowly): ${(r.stderr || '').trim().split('\n').slice(-3).join(' ')}`);
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return withDependencies(dir, require);
}

/**
 * The copy's own dependencies (`bindings`, which loads the addon, and what it requires) in its
 * node_modules: the copy lives outside the repo, and the checkpoint builds load it in a worker
 * thread, which use-hnswlib-at.mjs's resolver in the main thread does not reach. Without them
 * every build of the 5M folder failed ("Cannot find module 'bindings'") and the folder was left
 * with its vectors in the WAL alone.
 */
function withDependencies(dir, require) {
  const bindings = dirname(require.resolve('bindings/package.json'));
  // bindings' own dependency as bindings resolves it (not whichever version is hoisted at the root).
  const fileUri = dirname(createRequire(join(bindings, 'package.json')).resolve('file-uri-to-path/package.json'));
  for (const [name, from] of [['bindings', bindings], ['file-uri-to-path', fileUri]]) {
    const target = join(dir, 'node_modules', name);
    if (!existsSync(target)) cpSync(from, target, { recursive: true });
  }
  return dir;
}
