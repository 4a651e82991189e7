// Run by checkpoint-build.test.ts in a child process (bundled with esbuild):
//   exit       — a build in a worker thread; process.exit(0) at its first progress report.
//   in-thread  — the same build run from a worker thread, so it runs in that thread in slices;
//                prints { ticks, progress, bytes } once done (ticks: timers that ran meanwhile).
//   terminate  — a worker thread inserting into hnswlib-node without end (as an engine thread's
//                build does), terminated by this thread as the serve pool does: after
//                quiesceNative on the thread's native-call flags, or without it with `raw`.
//                With `parallel`, the thread is in one long multi-threaded insert of our addon
//                instead; prints each wait's milliseconds.
// exit and in-thread take `parallel` too: the build then inserts through our addon on 2 threads.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { HnswlibIndex } from '../../src-main/engine/hnsw/hnswlib-index.js';
import { findParallelAddon } from '../../src-main/engine/hnsw/parallel-insert.js';
import { NATIVE_GUARD_BYTES, guardedNative, quiesceNative, setThreadNativeGuard } from '../../src-main/engine/util/native-guard.js';
import { runCheckpointBuild } from '../../src-main/engine/write/checkpoint-build.js';

const DIM = 32;
const N = 20_000;

const parallel = (isMainThread ? process.argv[3] : (workerData as { variant?: string }).variant) === 'parallel';
const addonPath = () => {
  // Bundled into test/, so the addon is looked for from the repo (the bundle's folder has none).
  const found = findParallelAddon(path.dirname(fileURLToPath(import.meta.url))) ?? findParallelAddon(process.cwd());
  if (!found) throw new Error('the parallel-insert addon is not built');
  return found;
};

function job(dir: string) {
  let s = 7;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 4294967296 - 0.5);
  fs.mkdirSync(path.join(dir, 'seg'), { recursive: true });
  return {
    hnswlibPath: createRequire(import.meta.url).resolve('hnswlib-node'),
    parallel: parallel ? { path: addonPath(), threads: 2 } : null,
    space: 'l2' as const,
    dim: DIM,
    source: null,
    fresh: { M: 16, efConstruction: 100, randomSeed: 0, capacity: N },
    deleteLabels: new Float64Array(0),
    labels: Float64Array.from({ length: N }, (_, i) => i + 1),
    vectors: Float32Array.from({ length: N * DIM }, rnd),
    newCount: N,
    dest: path.join(dir, 'seg', '.standard-index.bin'),
    stagingDir: path.join(dir, 'seg'),
    norms: null,
  };
}

const mode = isMainThread ? process.argv[2] : (workerData as { mode: string }).mode;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-build-child-'));
if (mode === 'terminate' && isMainThread) {
  // Twenty times: a cut lands in a native call often enough that, without the wait, one aborts.
  // With `parallel`, eight: there the point is that each wait ends early (each round costs ~1 s).
  const rounds = parallel ? 8 : 20;
  for (let round = 0; round < rounds; round++) {
    const guard = new SharedArrayBuffer(NATIVE_GUARD_BYTES);
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: { mode, guard, variant: process.argv[3] } });
    // Its next call after quiesceNative is refused (CANCELLED): the thread may end with that error.
    w.on('error', () => undefined);
    await new Promise<void>((r) => w.once('message', () => r()));
    await new Promise((r) => setTimeout(r, 20 + round));
    const began = Date.now();
    const out = process.argv[3] !== 'raw' && quiesceNative(guard, 5000);
    const waited = Date.now() - began;
    // With `parallel`: what the one long insert returned (it ends early once the flag is set).
    const result = parallel ? await new Promise<unknown>((r) => w.once('message', r)) : null;
    if (parallel) console.log(JSON.stringify({ waited, out, result }));
    await w.terminate();
  }
  console.log('terminated');
} else if (mode === 'terminate' && parallel) {
  setThreadNativeGuard((workerData as { guard: SharedArrayBuffer }).guard);
  // One insert of 100,000 vectors on 2 threads: seconds, cut short by the guard's flag.
  const { ParallelIndex } = createRequire(import.meta.url)(addonPath()) as { ParallelIndex: new (s: string, d: number) => { initIndex(o: object): void; addItems(...a: unknown[]): number } };
  const dim = 128;
  const n = 100_000;
  const index = new ParallelIndex('l2', dim);
  index.initIndex({ maxElements: n, m: 16, efConstruction: 200, randomSeed: 0 });
  let s = 3;
  const vectors = Float32Array.from({ length: n * dim }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 4294967296 - 0.5));
  const labels = Float64Array.from({ length: n }, (_, i) => i);
  const flags = new Int32Array((workerData as { guard: SharedArrayBuffer }).guard);
  parentPort!.postMessage('inserting');
  const added = guardedNative(() => index.addItems(vectors, labels, 0, n, 2, new Int32Array(1), flags));
  parentPort!.postMessage({ added, of: n });
} else if (mode === 'terminate') {
  setThreadNativeGuard((workerData as { guard: SharedArrayBuffer }).guard);
  const dim = 512;
  const index = HnswlibIndex.create({ space: 'l2', dim, capacity: 1000 });
  let s = 3;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 4294967296 - 0.5);
  const points = Array.from({ length: 64 }, () => Float32Array.from({ length: dim }, rnd));
  parentPort!.postMessage('inserting');
  // Inserts until the engine is stopping: the guard then refuses the next call (CANCELLED).
  for (let label = 0; ; label++) index.upsertStored(label, points[label % 64]!);
} else if (mode === 'exit') {
  await runCheckpointBuild(job(dir), 'seg', { progress: () => process.exit(0) });
} else if (mode === 'in-thread' && isMainThread) {
  const w = new Worker(fileURLToPath(import.meta.url), { workerData: { mode, variant: process.argv[3] } });
  w.on('message', (m) => console.log(JSON.stringify(m)));
} else {
  let ticks = 0;
  let on = true;
  const tick = () => {
    ticks++;
    if (on) setTimeout(tick, 1);
  };
  tick();
  let progress = 0;
  await runCheckpointBuild(job(dir), 'seg', { progress: () => progress++ });
  on = false;
  const bytes = fs.readdirSync(path.join(dir, 'seg')).map((f) => fs.statSync(path.join(dir, 'seg', f)).size).reduce((a, b) => a + b, 0);
  parentPort!.postMessage({ ticks, progress, bytes });
}
fs.rmSync(dir, { recursive: true, force: true });
