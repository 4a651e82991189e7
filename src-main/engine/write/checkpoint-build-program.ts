/**
 * The hnswlib part of writing an HNSW checkpoint (a persist after writes, a repair's rebuild):
 * load the old graph or start an empty one, mark deletions, insert, save hnswlib's standard
 * single-file index. hnswlib-node inserts one vector at a time and blocks its thread for all of
 * it — seconds for a few thousand vectors into a large graph — so checkpoint-build.ts runs this
 * in a worker thread and the engine's own thread keeps answering meanwhile.
 *
 * Self-contained (no imports, hnswlib-node comes in as `lib`): it is sent to the worker as text
 * (`CHECKPOINT_BUILD_PROGRAM`), which runs the same from sources, from dist/ and from the Electron
 * asar, where hnswlib-node is required by its resolved path.
 */

/** What a build is told (plain data: it crosses to the worker as workerData). */
export interface CheckpointBuildJob {
  /** hnswlib-node's resolved main file. */
  hnswlibPath: string;
  /** hnswlib's space: cosine collections are built in `ip` with unit-normalised vectors (docs/format.md §6.6). */
  space: 'l2' | 'ip';
  dim: number;
  /** hnswlib's standard single-file index to start from (docs/format.md §6.5), or null for an empty index. */
  source: string | null;
  /** For an empty index: M, ef_construction, the seed (Rust core seeds with 0) and the capacity. */
  fresh: { M: number; efConstruction: number; randomSeed: number; capacity: number };
  /** Labels to mark deleted before inserting (each one present in `source`). */
  deleteLabels: Float64Array;
  /** Labels to insert or replace, in this order, with their vectors as stored (labels.length × dim). */
  labels: Float64Array;
  vectors: Float32Array;
  /** How many of `labels` are not in `source` yet: the capacity grows once, by that much. */
  newCount: number;
  /** Where the standard single-file index is written. */
  dest: string;
  /**
   * Int32 × 1, set to 1 to stop between two inserts. A stop is asked, never forced: terminating
   * the thread inside hnswlib-node's native code aborts the whole process (node-addon-api cannot
   * throw into a terminating isolate).
   */
  stop: SharedArrayBuffer;
}

/** Where a build stopped: loading the source (the files are damaged) or later (anything else). */
export type CheckpointBuildStage = 'load' | 'build';

/** What the worker posts: progress while inserting, then done, stopped (asked to) or the failure. */
export type CheckpointBuildMessage =
  | { progress: number; total: number }
  | { done: true }
  | { stopped: true }
  | { failed: string; stage: CheckpointBuildStage };

interface HnswlibLike {
  HierarchicalNSW: new (space: string, dim: number) => {
    initIndex(opts: { maxElements: number; m: number; efConstruction: number; randomSeed: number; allowReplaceDeleted: boolean }): void;
    readIndexSync(file: string, allowReplaceDeleted: boolean): void;
    markDelete(label: number): void;
    getCurrentCount(): number;
    getMaxElements(): number;
    resizeIndex(n: number): void;
    addPoint(point: number[], label: number): void;
    writeIndex(file: string): Promise<boolean>;
  };
}

/**
 * Runs one build; `post` gets progress about every `everyMs` and the outcome. Every failure is
 * posted (never thrown), so the worker always answers.
 */
export async function buildCheckpointIndex(
  job: CheckpointBuildJob,
  lib: HnswlibLike,
  post: (m: CheckpointBuildMessage) => void,
  everyMs = 100,
): Promise<void> {
  let stage: CheckpointBuildStage = 'load';
  try {
    const index = new lib.HierarchicalNSW(job.space, job.dim);
    if (job.source) {
      index.readIndexSync(job.source, false);
    } else {
      const f = job.fresh;
      index.initIndex({ maxElements: f.capacity, m: f.M, efConstruction: f.efConstruction, randomSeed: f.randomSeed, allowReplaceDeleted: false });
    }
    stage = 'build';
    for (let i = 0; i < job.deleteLabels.length; i++) index.markDelete(job.deleteLabels[i]!);
    const needed = index.getCurrentCount() + job.newCount;
    if (needed > index.getMaxElements()) index.resizeIndex(needed);
    const total = job.labels.length;
    const stop = new Int32Array(job.stop);
    let last = Date.now();
    for (let i = 0; i < total; i++) {
      if (Atomics.load(stop, 0) !== 0) return post({ stopped: true });
      index.addPoint(Array.from(job.vectors.subarray(i * job.dim, (i + 1) * job.dim)), job.labels[i]!);
      if (Date.now() - last >= everyMs) {
        last = Date.now();
        post({ progress: i + 1, total });
      }
    }
    post({ progress: total, total });
    if (Atomics.load(stop, 0) !== 0) return post({ stopped: true });
    await index.writeIndex(job.dest);
    post({ done: true });
  } catch (err) {
    post({ failed: err instanceof Error ? err.message : String(err), stage });
  }
}

export const CHECKPOINT_BUILD_PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
(${buildCheckpointIndex.toString()})(workerData, require(workerData.hnswlibPath), (m) => parentPort.postMessage(m));
`;
