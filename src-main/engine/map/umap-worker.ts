import { createRequire } from 'node:module';
import { workerThreadsModule } from '../util/node-on-demand.js';
import { InspectorError } from '../../../shared/errors.js';

/**
 * UMAP's optimisation (umap-js) in a worker thread, so the engine keeps answering while it runs,
 * with progress and cancel (the worker is terminated). It gets the k-nearest-neighbour graph only
 * (the engine's HNSW search found it): umap-js needs the vectors for nothing else, so they stay
 * in the engine. The script is evaluated rather than loaded from a file, so it runs the same from
 * sources (tests), from dist/ and from the Electron asar; it requires umap-js by resolved path.
 */
const SCRIPT = `
const { parentPort, workerData } = require('node:worker_threads');
const { UMAP } = require(workerData.umapModule);
const { n, k, indices, distances, seed, epochs } = workerData;
// mulberry32: a seeded generator, so a map is laid out the same way every time.
let state = seed >>> 0;
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const knnIndices = new Array(n);
const knnDistances = new Array(n);
for (let i = 0; i < n; i++) {
  knnIndices[i] = Array.from(indices.subarray(i * k, i * k + k));
  knnDistances[i] = Array.from(distances.subarray(i * k, i * k + k));
}
const umap = new UMAP({ nNeighbors: k, nComponents: 2, minDist: 0.1, random, ...(epochs ? { nEpochs: epochs } : {}) });
umap.setPrecomputedKNN(knnIndices, knnDistances);
// Only the neighbour graph is used (X's length is the point count): no vectors cross over.
const total = umap.initializeFit(Array.from({ length: n }, () => []));
parentPort.postMessage({ progress: 0, total });
let last = Date.now();
for (let e = 0; e < total; e++) {
  umap.step();
  if (Date.now() - last > 200) {
    last = Date.now();
    parentPort.postMessage({ progress: e + 1, total });
  }
}
const emb = umap.getEmbedding();
const xy = new Float32Array(n * 2);
for (let i = 0; i < n; i++) {
  xy[2 * i] = emb[i][0];
  xy[2 * i + 1] = emb[i][1];
}
parentPort.postMessage({ done: xy }, [xy.buffer]);
`;

export interface KnnGraph {
  n: number;
  k: number;
  /** Row-major n × k: point i's neighbours (itself first) and their distances. */
  indices: Int32Array;
  distances: Float32Array;
}

/** The 2-D layout (n x, y pairs), or CANCELLED when `signal` aborts. */
export function runUmap(graph: KnnGraph, opts: { seed: number; epochs?: number; signal: AbortSignal; progress: (done: number, total: number) => void }): Promise<Float32Array> {
  const umapModule = createRequire(import.meta.url).resolve('umap-js');
  return new Promise((resolve, reject) => {
    if (opts.signal.aborted) return reject(new InspectorError('CANCELLED', 'The UMAP layout was cancelled'));
    const worker = new (workerThreadsModule().Worker)(SCRIPT, { eval: true, workerData: { umapModule, ...graph, seed: opts.seed, epochs: opts.epochs ?? 0 } });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => finish(() => {
      void worker.terminate();
      reject(new InspectorError('CANCELLED', 'The UMAP layout was cancelled'));
    });
    opts.signal.addEventListener('abort', onAbort);
    worker.on('message', (m: { progress?: number; total?: number; done?: Float32Array }) => {
      if (m.done) finish(() => {
        resolve(m.done!);
        void worker.terminate();
      });
      else if (m.total) opts.progress(m.progress ?? 0, m.total);
    });
    worker.on('error', (e: Error) => finish(() => reject(new InspectorError('INTERNAL', `The UMAP layout failed: ${e.message}`))));
    worker.on('exit', (code) => finish(() => reject(new InspectorError('INTERNAL', `The UMAP worker stopped (exit ${code}) before its layout was done`))));
  });
}
