/**
 * The heavy part of writing an HNSW checkpoint (a persist after writes, a repair's rebuild): join
 * the old checkpoint's files into hnswlib's single file and load it, or start an empty graph;
 * mark deletions, insert, save; split the result into Chroma's four files (docs/format.md §6.5).
 * hnswlib-node inserts one vector at a time and blocks its thread for all of it — seconds for a
 * few thousand vectors into a large graph — and the files are hundreds of megabytes at a million
 * vectors, so checkpoint-build.ts runs this in a worker thread and the engine's own thread keeps
 * answering meanwhile.
 *
 * Inserts run on several threads through our addon (native/, engine/hnsw/parallel-insert.ts)
 * when it was built; otherwise through hnswlib-node, one at a time.
 *
 * Self-contained (no imports, the native libraries come in as `libs`): it is sent to the worker as text
 * (`CHECKPOINT_BUILD_PROGRAM`), which runs the same from sources, from dist/ and from the Electron
 * asar, where hnswlib-node is required by its resolved path.
 */

/** What a build is told (plain data: it crosses to the worker as workerData). */
export interface CheckpointBuildJob {
  /** hnswlib-node's resolved main file. */
  hnswlibPath: string;
  /**
   * Our addon (engine/hnsw/parallel-insert.ts), when it loads here: the same hnswlib with a
   * multi-threaded insert. Null: hnswlib-node, one insert at a time.
   */
  parallel: { path: string; threads: number } | null;
  /** hnswlib's space: cosine collections are built in `ip` with unit-normalised vectors (docs/format.md §6.6). */
  space: 'l2' | 'ip';
  dim: number;
  /**
   * The checkpoint to start from, as the parts of hnswlib's standard single file (docs/format.md
   * §6.5 join): the 96 header bytes, data_level0.bin's first `level0Bytes`, the link lists. They
   * are joined into `file` (a private temp file, removed after loading). Null for an empty index.
   */
  source: { header: Uint8Array; level0File: string; level0Bytes: number; linkLists: Uint8Array; file: string } | null;
  /** For an empty index: M, ef_construction, the seed (Rust core seeds with 0) and the capacity. */
  fresh: { M: number; efConstruction: number; randomSeed: number; capacity: number };
  /** Labels to mark deleted before inserting (each one present in `source`). */
  deleteLabels: Float64Array;
  /** Labels to insert or replace, in this order, with their vectors as stored (labels.length × dim). */
  labels: Float64Array;
  vectors: Float32Array;
  /** How many of `labels` are not in `source` yet: the capacity grows once, by that much. */
  newCount: number;
  /** Where the standard single-file index is written, then split into `stagingDir` and removed. */
  dest: string;
  stagingDir: string;
  /**
   * length.bin (cosine): each element's norm by its label where given, else the old length.bin's
   * value at its internal id (below `oldCount`), else 0. Null: zeros (spaces without norms).
   */
  norms: { labels: Float64Array; values: Float32Array; oldLengthFile: string | null; oldCount: number } | null;
  /** Where a build in a worker thread receives its extensions (CheckpointBuildExtension), if it may take any. */
  extensions?: import('node:worker_threads').MessagePort;
  /** Int32 × 1: set to 1 to cancel this build before its next call into hnswlib-node. */
  stop: SharedArrayBuffer;
  /**
   * The running thread's native-call flags (engine/util/native-guard.ts: [0] termination is
   * coming, [1] inside a call), so that whoever may terminate it (a process exit, the serve pool)
   * waits until it is out of hnswlib-node, whose native code aborts the process when cut.
   */
  guard: SharedArrayBuffer;
}

/**
 * More inserts for a build under way, handed over before it saves (engine/write/checkpoint-build.ts
 * BuildExtensions): rows written while it ran that only add new labels. All of them are new.
 */
export interface CheckpointBuildExtension {
  labels: Float64Array;
  vectors: Float32Array;
  /** length.bin norms of these labels (cosine), or null. */
  norms: Float32Array | null;
}

/** Where a build stopped: loading the source (the files are damaged) or later (anything else). */
export type CheckpointBuildStage = 'load' | 'build';

/** What the worker posts: progress while inserting, then done, stopped (asked to) or the failure. */
export type CheckpointBuildMessage =
  | { progress: number; total: number }
  | { done: true; header: Uint8Array; /** How many extensions the build took (the first ones handed over, in order). */ extended: number }
  | { stopped: true }
  | { failed: string; stage: CheckpointBuildStage };

type FsApi = typeof import('node:fs');
type PathApi = typeof import('node:path');

/** What both hnswlib-node's HierarchicalNSW and our addon's ParallelIndex offer, alike. */
interface IndexLike {
  initIndex(opts: { maxElements: number; m: number; efConstruction: number; randomSeed: number; allowReplaceDeleted: boolean }): void;
  readIndexSync(file: string, allowReplaceDeleted: boolean): void;
  markDelete(label: number): void;
  getCurrentCount(): number;
  getMaxElements(): number;
  resizeIndex(n: number): void;
  writeIndexSync(file: string): void;
}

/** The two libraries a build may use: `parallel` when the job names it. */
export interface BuildLibraries {
  hnswlib: { HierarchicalNSW: new (space: string, dim: number) => IndexLike & { addPoint(point: number[], label: number): void } };
  parallel: {
    ParallelIndex: new (space: string, dim: number) => IndexLike & {
      /** Inserts [start, end) on `threads` threads; stops early once cancel[0] or guard[0] is set. Returns how many it inserted. */
      addItems(vectors: Float32Array, labels: Float64Array, start: number, end: number, threads: number, cancel: Int32Array, guard: Int32Array): number;
      /** Frees the index a piece at a time (unusable after); absent from builds of the addon before it. */
      releaseMemory?(): void;
    };
  } | null;
}

/**
 * Runs one build; `post` gets progress about every `everyMs` and the outcome. Every failure is
 * posted (never thrown), so the caller always gets an answer. `pause`, when given (a build in the
 * engine's own thread), is awaited every `everyMs` so the thread's other work goes on.
 * `takeExtension` is asked, once the inserts are done, for more of them (until it has none):
 * rows written meanwhile join this build instead of waiting for the next one's load and save.
 */
export async function buildCheckpointIndex(
  job: CheckpointBuildJob,
  libs: BuildLibraries,
  fs: FsApi,
  path: PathApi,
  post: (m: CheckpointBuildMessage) => void,
  everyMs = 100,
  pause: (() => Promise<void>) | null = null,
  takeExtension: () => CheckpointBuildExtension | null = () => null,
): Promise<void> {
  let stage: CheckpointBuildStage = 'load';
  const cancel = new Int32Array(job.stop);
  const flags = new Int32Array(job.guard);
  const STOPPED = { stopped: true };
  // Every call into hnswlib-node goes through here (the protocol of engine/util/native-guard.ts):
  // marked, and refused once a cancel or a termination is coming.
  const native = <T>(call: () => T): T => {
    Atomics.store(flags, 1, 1);
    if (Atomics.load(cancel, 0) !== 0 || Atomics.load(flags, 0) !== 0) {
      Atomics.store(flags, 1, 0);
      throw STOPPED;
    }
    try {
      return call();
    } finally {
      Atomics.store(flags, 1, 0);
    }
  };
  // Whole-file writes, fsynced: the staging folder is swapped in as the checkpoint.
  const writeAll = (fd: number, data: Uint8Array) => {
    for (let done = 0; done < data.length; ) done += fs.writeSync(fd, data, done, data.length - done);
  };
  const writeDurably = (file: string, data: Uint8Array) => {
    const fd = fs.openSync(file, 'w');
    try {
      writeAll(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  };
  const readExactly = (fd: number, buf: Uint8Array, length: number, position: number, what: string) => {
    for (let done = 0; done < length; ) {
      const n = fs.readSync(fd, buf, done, length - done, position + done);
      if (n === 0) throw new Error(`${what} ended early`);
      done += n;
    }
  };
  const CHUNK = 16 * 1024 * 1024;
  try {
    const parallel = job.parallel && libs.parallel ? { lib: libs.parallel, threads: job.parallel.threads } : null;
    const hnswlib = parallel ? null : native(() => new libs.hnswlib.HierarchicalNSW(job.space, job.dim));
    const many = parallel ? native(() => new parallel.lib.ParallelIndex(job.space, job.dim)) : null;
    const index: IndexLike = (many ?? hnswlib)!;
    const src = job.source;
    if (src) {
      const out = fs.openSync(src.file, 'wx');
      try {
        writeAll(out, src.header);
        const from = fs.openSync(src.level0File, 'r');
        try {
          const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK, src.level0Bytes)));
          for (let done = 0; done < src.level0Bytes; ) {
            const want = Math.min(chunk.length, src.level0Bytes - done);
            readExactly(from, chunk, want, done, 'data_level0.bin');
            writeAll(out, chunk.subarray(0, want));
            done += want;
          }
        } finally {
          fs.closeSync(from);
        }
        writeAll(out, src.linkLists);
      } finally {
        fs.closeSync(out);
      }
      try {
        native(() => index.readIndexSync(src.file, false));
      } finally {
        fs.rmSync(src.file, { force: true });
      }
    } else {
      const f = job.fresh;
      native(() => index.initIndex({ maxElements: f.capacity, m: f.M, efConstruction: f.efConstruction, randomSeed: f.randomSeed, allowReplaceDeleted: false }));
    }
    stage = 'build';
    native(() => {
      for (let i = 0; i < job.deleteLabels.length; i++) index.markDelete(job.deleteLabels[i]!);
      const needed = index.getCurrentCount() + job.newCount;
      if (needed > index.getMaxElements()) index.resizeIndex(needed);
    });
    let done = 0;
    let total = job.labels.length;
    let last = Date.now();
    const insert = async (labels: Float64Array, vectors: Float32Array) => {
      const count = labels.length;
      if (many && parallel) {
        // Runs of vectors, each one call on every thread, sized to take about half of `everyMs`
        // (progress, and a paused thread's other work, come between runs). A set flag ends a run
        // early, after at most one insert per thread.
        let run = 16;
        for (let i = 0; i < count; ) {
          const end = Math.min(count, i + run);
          const began = Date.now();
          const added = native(() => many.addItems(vectors, labels, i, end, parallel.threads, cancel, flags));
          if (added < end - i) throw STOPPED;
          done += end - i;
          i = end;
          const took = Date.now() - began;
          run = Math.max(16, Math.min(1 << 16, Math.round((run * (everyMs / 2)) / Math.max(1, took))));
          if (Date.now() - last >= everyMs) {
            post({ progress: done, total });
            if (pause) await pause();
            last = Date.now();
          }
        }
      } else {
        for (let i = 0; i < count; i++) {
          const point = Array.from(vectors.subarray(i * job.dim, (i + 1) * job.dim));
          native(() => hnswlib!.addPoint(point, labels[i]!));
          done++;
          if (Date.now() - last >= everyMs) {
            post({ progress: done, total });
            if (pause) await pause();
            last = Date.now();
          }
        }
      }
    };
    await insert(job.labels, job.vectors);
    // Norms the extensions bring (cosine), by label.
    const extraNorms = new Map<number, number>();
    let extended = 0;
    // The capacity the build would save without extensions, grown by exactly what they add. It grows
    // by at least a quarter at a time meanwhile (a resize copies the whole level 0), and is set
    // back to that exact size once before the save.
    let exactCapacity = native(() => index.getMaxElements());
    for (let ext = takeExtension(); ext; ext = takeExtension()) {
      const more = ext.labels.length;
      total += more;
      native(() => {
        const needed = index.getCurrentCount() + more;
        exactCapacity = Math.max(exactCapacity, needed);
        if (needed > index.getMaxElements()) index.resizeIndex(Math.max(needed, Math.ceil(index.getMaxElements() * 1.25)));
      });
      await insert(ext.labels, ext.vectors);
      if (ext.norms) for (let i = 0; i < more; i++) extraNorms.set(ext.labels[i]!, ext.norms[i]!);
      extended++;
    }
    native(() => {
      if (index.getMaxElements() > exactCapacity) index.resizeIndex(exactCapacity);
    });
    post({ progress: total, total });
    native(() => index.writeIndexSync(job.dest));
    // Its memory (~0.7 GB at a million vectors) goes back now and a piece at a time, not in one
    // munmap when this thread ends, which stalls every thread of the process that maps memory.
    native(() => many?.releaseMemory?.());

    // The split (docs/format.md §6.5): header.bin = int32 1 ‖ the 96 header bytes; data_level0.bin
    // = the level-0 block, padded to max_elements × size as the fork writes it; link_lists.bin = the
    // rest; length.bin = one float32 norm per internal id, padded to max_elements.
    const std = fs.openSync(job.dest, 'r');
    const header = Buffer.alloc(96);
    try {
      const total = fs.fstatSync(std).size;
      readExactly(std, header, 96, 0, 'the saved index');
      const u64 = (at: number) => Number(header.readBigUInt64LE(at));
      const [maxElements, cur, size, labelOffset] = [u64(8), u64(16), u64(24), u64(32)];
      if (size <= 0 || cur > maxElements || labelOffset + 8 > size || total < 96 + cur * size) throw new Error('hnswlib saved an index whose header does not fit it');
      const headerBin = Buffer.alloc(100);
      headerBin.writeInt32LE(1, 0);
      header.copy(headerBin, 4);
      writeDurably(path.join(job.stagingDir, 'header.bin'), headerBin);
      const labels = new Float64Array(cur);
      const out = fs.openSync(path.join(job.stagingDir, 'data_level0.bin'), 'w');
      try {
        const perChunk = Math.max(1, Math.floor(CHUNK / size));
        const chunk = Buffer.allocUnsafe(Math.min(perChunk, Math.max(cur, 1)) * size);
        for (let first = 0; first < cur; first += perChunk) {
          const count = Math.min(perChunk, cur - first);
          readExactly(std, chunk, count * size, 96 + first * size, 'level 0');
          for (let j = 0; j < count; j++) {
            const at = j * size + labelOffset;
            labels[first + j] = chunk.readUInt32LE(at) + chunk.readUInt32LE(at + 4) * 2 ** 32;
          }
          writeAll(out, chunk.subarray(0, count * size));
        }
        fs.ftruncateSync(out, Math.max(cur, maxElements) * size);
        fs.fsyncSync(out);
      } finally {
        fs.closeSync(out);
      }
      const linkStart = 96 + cur * size;
      const links = Buffer.allocUnsafe(total - linkStart);
      readExactly(std, links, links.length, linkStart, 'the link lists');
      writeDurably(path.join(job.stagingDir, 'link_lists.bin'), links);
      const norms = Buffer.alloc(Math.max(cur, maxElements) * 4);
      const n = job.norms;
      if (n) {
        const byLabel = new Map<number, number>();
        for (let i = 0; i < n.labels.length; i++) byLabel.set(n.labels[i]!, n.values[i]!);
        for (const [label, value] of extraNorms) byLabel.set(label, value);
        const old = n.oldLengthFile && n.oldCount > 0 ? Buffer.alloc(n.oldCount * 4) : null;
        if (old) {
          const fd = fs.openSync(n.oldLengthFile!, 'r');
          try {
            readExactly(fd, old, old.length, 0, 'length.bin');
          } finally {
            fs.closeSync(fd);
          }
        }
        for (let i = 0; i < cur; i++) {
          const given = byLabel.get(labels[i]!);
          norms.writeFloatLE(given ?? (old && i < n.oldCount ? old.readFloatLE(i * 4) : 0), i * 4);
        }
      }
      writeDurably(path.join(job.stagingDir, 'length.bin'), norms);
    } finally {
      fs.closeSync(std);
    }
    fs.rmSync(job.dest, { force: true });
    post({ done: true, header, extended });
  } catch (err) {
    if (err === STOPPED) return post({ stopped: true });
    post({ failed: err instanceof Error ? err.message : String(err), stage });
  }
}

/** The build thread's niceness (0 normal, 19 lowest): see the program below. */
export const BUILD_THREAD_NICENESS = 10;

export const CHECKPOINT_BUILD_PROGRAM = `
const { parentPort, workerData, receiveMessageOnPort } = require('node:worker_threads');
// Below the engine's thread (Linux: for this thread, by its id): the insert threads the addon
// starts inherit it, so the engine's thread, which answers calls meanwhile, is not queued behind
// a build that keeps every core busy. With nothing else to run, the build still has every core.
// Never above where it runs already (a process started nicer, by a user who may also raise it).
try {
  const os = require('node:os');
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  os.setPriority(tid, Math.max(os.getPriority(tid), ${BUILD_THREAD_NICENESS}));
} catch {
  // Elsewhere the build runs at normal priority.
}
const libs = { hnswlib: require(workerData.hnswlibPath), parallel: workerData.parallel ? require(workerData.parallel.path) : null };
const port = workerData.extensions;
const take = () => (port && receiveMessageOnPort(port)?.message) || null;
(${buildCheckpointIndex.toString()})(workerData, libs, require('node:fs'), require('node:path'), (m) => parentPort.postMessage(m), 100, null, take);
`;
