// Preloaded (node --import) by the 5M builder: `require('hnswlib-node')` resolves to the package
// in BENCH_HNSWLIB_DIR (native-hnswlib.mjs's CPU-specific build) instead of node_modules'. The
// engine loads hnswlib-node through createRequire, which goes through Module._resolveFilename.
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';

const dir = process.env.BENCH_HNSWLIB_DIR;
if (dir) {
  const resolve = Module._resolveFilename;
  // The copy lives outside the repo, so its own `require('bindings')` resolves from here.
  const bindings = createRequire(import.meta.url).resolve('bindings');
  Module._resolveFilename = function (request, ...rest) {
    if (request === 'hnswlib-node') return resolve.call(this, join(dir, 'lib', 'index.js'), ...rest);
    if (request === 'bindings') return bindings;
    return resolve.call(this, request, ...rest);
  };
}
