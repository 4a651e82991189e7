import fs from 'node:fs';
import { workerThreadsModule } from '../util/node-on-demand.js';
import { addonFunctions } from '../util/addon-functions.js';
import type { HnswHeader, Space } from '../../../shared/models.js';
import { reportLoad } from '../util/load-progress.js';
import { firstBadRow, rowProblemText, sameLayout } from './level0-links.js';
import { LiveLabels, type Level0LabelScan } from './level0-scan.js';
import { PLAUSIBLE, quickPlausible } from './vector-plausibility.js';
import { CHUNK_BYTES, PICKLE_CHUNK_BYTES, PRESCAN_PROGRAM, readPickleChunks, scanLevel0Chunks, type HeldChunkFiles, type PrescanJob } from './level0-prescan-program.js';
import { linkListBlockBytes } from './header.js';
import type { Arrive } from './pickle-cursor.js';
import { HOST_IS_LITTLE_ENDIAN } from '../util/host-endianness.js';
import { runSteps, type Steps } from '../util/steps.js';
import { hugePagedShared } from '../util/huge-pages.js';

/**
 * The whole-file pass over data_level0.bin that a checkpoint check needs before a first answer —
 * every element's label and deleted flag, its vector's plausibility, its level-0 row bounds — run
 * on another thread while the calling thread decodes the pickle (the other half of that wait):
 * the addon's (native/level0-prescan.cc) where it is built, else a worker thread.
 * The file is checked in chunks that either thread claims: when the caller is done with the
 * pickle first, it takes the chunks left (finish), so neither thread waits while the other has
 * work. It keeps no vector: only for readers that need the checks, not the vectors
 * (UnloadedVectors).
 *
 * The worker's program is source text built from self-contained functions
 * (level0-prescan-program.ts); the addon's thread does the same, step for step. Either writes its
 * answers into shared memory; the caller waits with Atomics.wait, since the read it serves is
 * synchronous. Anything unexpected — no thread, a failed read, a thread that stops answering —
 * makes finish() return null, and the caller scans in its own thread, which
 * then reports the problem as it always has.
 */

/**
 * Below this many elements the worker's start (50–70 ms on the 2-core bench machine) costs about
 * what the pass it takes over does: at 100,000 × 128 a first query measured ~235 ms without it
 * and ~260 ms with it; at 1,000,000, ~1.1 s without and ~0.85 s with. The addon's thread
 * (native/level0-prescan.cc) starts in microseconds and is used at every size.
 */
export const PRESCAN_MIN_ELEMENTS = 250_000;
/**
 * `off`: never run the pass beside the reader; `worker`: in a worker thread, for any segment;
 * `native`: on the addon's thread, for any segment (not at all without the addon); `always`: for
 * any segment, on the addon's thread where it can, else in a worker (the tests use these, also
 * inside the worker pool's threads, which take the environment they start with). Unset: the
 * addon's thread for any segment, else the worker from PRESCAN_MIN_ELEMENTS. Read at each start.
 */
export const PRESCAN_ENV = 'CHROMA_INSPECTOR_PRESCAN';
/** The pass reports each chunk; this long without one means it is stuck or gone. */
const STALL_MS = 15_000;
/** A worker wakes the waiter (Atomics.notify); the addon's thread cannot, so its waits are polled in short slices. */
const WORKER_WAIT_SLICE_MS = 50;
const NATIVE_WAIT_SLICE_MS = 0.25;
/** Elements visitPrescan visits between two pauses of its steps. */
const VISIT_STEP_MASK = (1 << 16) - 1;
/** Level-0 chunks finish() checks between two pauses of its steps (~10 ms each at 5M × 128). */
const CHUNKS_PER_STEP = 1;

/** Thrown by pickleBytes' `arrive` when the bytes will not come: the caller reads the file itself. */
export const PICKLE_NOT_READ = new Error('index_metadata.pickle was not read by the pre-scan');

const RUNNING = 0;
const DONE = 1;
const DELETED = 1;
const QUICK_PLAUSIBLE = 2;

/** What the pre-scan found, for visitPrescan. */
export interface PrescanResult {
  labels: Float64Array;
  flags: Uint8Array;
  /** The first level-0 row that breaks the header's bounds (level0RowsProblem's message), or null. */
  rowProblem: string | null;
}

/** The thread that runs the pass beside the reader: a worker, or the addon's. */
interface PassThread {
  /** Which kind it is (the tests tell them apart). */
  kind: 'worker' | 'native';
  /** Stops it if it still runs. */
  stop(): void;
  /** How long one wait for it lasts before the waiter looks again. */
  waitSliceMs: number;
  /** Where the addon's thread puts the graph consistency sample's counts ([wins, total]; status[6] says when), or null: it takes none. */
  graph?: Float64Array | null;
}

/** What Level0Prescan.start is also asked for. */
export interface PrescanOptions {
  /** The collection's space: the addon's thread then also takes the graph consistency sample (graph-consistency.ts). */
  graphSpace?: Space | null;
  /** Bytes per level-0 chunk (tests use small ones, so that both threads take some). */
  chunkBytes?: number;
  /** The addon's thread pauses this long at its start and after each level-0 chunk (tests: so that the reader takes some; a worker's start does that). */
  pauseMs?: number;
}

export class Level0Prescan {
  private thread: PassThread | null;
  /** How many level-0 chunks finish() checked in the calling thread (the other thread took the rest). */
  chunksTakenHere = 0;

  private constructor(
    thread: PassThread,
    private readonly job: PrescanJob,
    private readonly header: HnswHeader,
    /** The tag of the pickle version the worker reads (null: it reads none). */
    readonly pickleStamp: string | null,
  ) {
    this.thread = thread;
  }

  /** Which thread runs the pass beside the reader (null once stopped). */
  get threadKind(): PassThread['kind'] | null {
    return this.thread?.kind ?? null;
  }

  /**
   * Starts the pass over `dataFile` (whose elements `header` describes), or null where it would
   * not pay or cannot run: small segments without the addon, layouts the word views do not fit, a
   * big-endian host, or no thread to run it on. `lengthFile`: the cosine norms the checks compare.
   */
  static start(
    dataFile: string,
    lengthFile: string | null,
    header: HnswHeader,
    cosine: boolean,
    /** The pickle to read first, its size now, and the caller's tag for that version (pickleBytes() gives it back). */
    pickle: { file: string; size: number; stamp: string } | null,
    /** link_lists.bin and its size now, to read and walk next (linkLists() gives them back). */
    links: { file: string; size: number } | null = null,
    opts: PrescanOptions = {},
  ): Level0Prescan | null {
    const { curElementCount: count, sizeDataPerElement: size } = header;
    const mode = process.env[PRESCAN_ENV];
    if (mode === 'off' || count < 1 || !HOST_IS_LITTLE_ENDIAN) return null;
    const native = mode !== 'worker' && addonFunctions().prescanLevel0 !== null;
    const worker = mode !== 'native' && (mode === 'always' || mode === 'worker' || count >= PRESCAN_MIN_ELEMENTS);
    if (!native && !worker) return null;
    if (size % 4 !== 0 || header.offsetData % 4 !== 0 || size < header.offsetData + header.dim * 4) return null;
    const { chunkBytes = CHUNK_BYTES, pauseMs = 0, graphSpace = null } = opts;
    const perChunk = Math.max(1, Math.floor(chunkBytes / size));
    const job: PrescanJob = {
      dataFile,
      lengthFile,
      count,
      size,
      labelOffset: header.labelOffset,
      offsetData: header.offsetData,
      dim: header.dim,
      maxM0: header.maxM0,
      cosine,
      bounds: PLAUSIBLE,
      perChunk,
      labels: hugePagedShared(count * 8),
      flags: new SharedArrayBuffer(count),
      status: new SharedArrayBuffer(40),
      badRow: new SharedArrayBuffer(24),
      chunkRows: new SharedArrayBuffer(Math.ceil(count / perChunk) * 24),
      pickle:
        pickle && pickle.size > 0
          ? {
              file: pickle.file,
              bytes: hugePagedShared(pickle.size),
              done: new SharedArrayBuffer(Math.ceil(pickle.size / PICKLE_CHUNK_BYTES) * 4),
              chunkBytes: PICKLE_CHUNK_BYTES,
            }
          : null,
      links: links
        ? {
            file: links.file,
            bytes: hugePagedShared(links.size),
            upperAt: new SharedArrayBuffer(count * 4),
            block: linkListBlockBytes(header),
            maxLevel: header.maxLevel,
          }
        : null,
    };
    const thread = (native ? startNative(job, pauseMs, graphSpace) : null) ?? (worker ? startWorker(job) : null);
    return thread ? new Level0Prescan(thread, job, header, job.pickle ? pickle!.stamp : null) : null;
  }

  /**
   * The pickle's bytes as they are being read (the size the file had when the job started), and
   * `arrive(upTo)`, which blocks until the bytes before `upTo` are there (reading the next chunk
   * itself when the worker has not claimed it yet) and returns how far they reach. It throws
   * PICKLE_NOT_READ when they never will be (a failed read, a stalled worker): the caller then
   * reads the file itself. Null when the worker was not asked to read it.
   */
  pickleBytes(): { buf: Buffer; arrive: Arrive } | null {
    const pickle = this.job.pickle;
    if (!pickle) return null;
    const status = new Int32Array(this.job.status);
    const done = new Int32Array(pickle.done);
    const size = pickle.chunkBytes;
    const total = pickle.bytes.byteLength;
    let ready = 0; // chunks known read, from the start
    const failed = () => Atomics.load(status, 3) !== 0;
    const unclaimed = () => Atomics.load(status, 5) <= ready;
    const arrive = (upTo: number): number => {
      const need = Math.ceil(Math.min(upTo, total) / size);
      while (ready < need) {
        if (Atomics.load(done, ready) === 1) {
          ready++;
          continue;
        }
        // Only a chunk still needed that will not come ends the wait (a failed one past it does not).
        if (failed()) throw PICKLE_NOT_READ;
        if (unclaimed()) {
          // Not claimed yet (the worker is starting, or behind): read the next chunk here.
          readPickleChunks(fs, pickle.file, pickle.bytes, done, status, size, 1);
          continue;
        }
        // The worker is reading it: wait for it (or a failure, or the worker's stall).
        if (!runSteps(this.waitFor(done, ready, () => {}, 1, failed))) throw PICKLE_NOT_READ;
      }
      return Math.min(total, ready * size);
    };
    return { buf: Buffer.from(pickle.bytes), arrive };
  }

  /**
   * link_lists.bin as the worker read it, each element's level-1 block start + 1, and where the
   * walk ended; null when it was not asked to, could not read it, or found it damaged: the caller
   * then reads and walks it itself (and names the damage).
   */
  linkLists(): { buf: Buffer; upperAt: Int32Array; used: number } | null {
    return runSteps(this.linkListsSteps());
  }

  /** linkLists, as steps whose waits for the worker are pauses (util/steps.ts). */
  *linkListsSteps(): Steps<{ buf: Buffer; upperAt: Int32Array; used: number } | null> {
    const links = this.job.links;
    if (!links) return null;
    const status = new Int32Array(this.job.status);
    if (!(yield* this.waitFor(status, 7, () => {}))) return null;
    const used = new Float64Array(this.job.badRow)[2]!;
    if (Atomics.load(status, 7) !== DONE || used < 0) return null;
    return { buf: Buffer.from(links.bytes), upperAt: new Int32Array(links.upperAt), used };
  }

  /**
   * The graph consistency sample's counts as the addon's thread took them, or null where it took
   * none (a worker, or not asked) or failed (an I/O error): the caller then samples itself.
   */
  *graphSampleSteps(): Steps<{ wins: number; total: number } | null> {
    const graph = this.thread?.graph;
    if (!graph) return null;
    const status = new Int32Array(this.job.status);
    if (!(yield* this.waitFor(status, 6, () => {}))) return null;
    return Atomics.load(status, 6) === DONE ? { wins: graph[0]!, total: graph[1]! } : null;
  }

  /** Whether the worker works on the layout `header` describes (header.bin may have changed since it began). */
  fits(header: HnswHeader): boolean {
    const h = this.header;
    // The element layout, plus what the quick check and the link-list walk read.
    return sameLayout(h, header) && h.dim === header.dim && h.maxM === header.maxM && h.maxLevel === header.maxLevel;
  }

  /**
   * Waits until cell[slot] (a status slot, or a pickle chunk's done flag) reaches `until` (by
   * default: is no longer RUNNING) or `abandon` says to stop; false when the worker stalled (no
   * heartbeat in status[4] for STALL_MS) and was stopped. `progress` sees the count of elements
   * done at each heartbeat.
   */
  private *waitFor(cell: Int32Array, slot: number, progress: (done: number) => void, until = RUNNING + 1, abandon = () => false): Steps<boolean> {
    const status = new Int32Array(this.job.status);
    let beat = -1;
    let since = Date.now();
    for (let now = Atomics.load(cell, slot); now < until && !abandon(); now = Atomics.load(cell, slot)) {
      if (!this.thread) return false;
      yield { cell, index: slot, value: now, ms: this.thread.waitSliceMs };
      if (Atomics.load(status, 4) !== beat) {
        beat = Atomics.load(status, 4);
        since = Date.now();
        progress(Atomics.load(status, 1));
      } else if (Date.now() - since > STALL_MS) {
        this.close();
        return false;
      }
    }
    return true;
  }

  /**
   * Checks the level-0 chunks the worker has not taken, in this thread, then waits for the
   * worker's last ones (reporting progress as `progressMessage`), and returns what the two found;
   * null when either failed or the worker stalled: the caller then scans in its own thread.
   */
  finish(progressMessage: string): PrescanResult | null {
    return runSteps(this.finishSteps(progressMessage));
  }

  /** finish, as steps: a pause after each chunk checked here, and while the worker finishes its own. */
  *finishSteps(progressMessage: string): Steps<PrescanResult | null> {
    const status = new Int32Array(this.job.status);
    // The files and buffers the chunks checked here are read with, across the pauses.
    const held: HeldChunkFiles = { fd: -1, normFd: -1, chunk: null, normBytes: null };
    try {
      if (!this.thread) return null;
      const report = () => reportLoad(Atomics.load(status, 1), this.job.count, progressMessage);
      for (;;) {
        const taken = scanLevel0Chunks(fs, this.job, quickPlausible, firstBadRow, report, CHUNKS_PER_STEP, held);
        this.chunksTakenHere += taken;
        if (taken < CHUNKS_PER_STEP) break;
        yield;
      }
      if (!(yield* this.waitFor(status, 0, (done) => reportLoad(done, this.job.count, progressMessage)))) return null;
      if (Atomics.load(status, 0) !== DONE) return null;
      // The last step of a load is always reported, also when the worker was done before the wait.
      reportLoad(this.job.count, this.job.count, progressMessage);
      const { maxM0, curElementCount } = this.header;
      const rows = new Float64Array(this.job.chunkRows);
      let rowProblem: string | null = null;
      for (let i = 0; i < rows.length && rowProblem === null; i += 3) rowProblem = rowProblemText(rows[i]!, rows.subarray(i + 1, i + 3), maxM0, curElementCount);
      return { labels: new Float64Array(this.job.labels), flags: new Uint8Array(this.job.flags), rowProblem };
    } finally {
      if (held.fd >= 0) fs.closeSync(held.fd);
      if (held.normFd >= 0) fs.closeSync(held.normFd);
      this.close();
    }
  }

  /** Stops the other thread if it still runs (a caller that returns early, or an error). */
  close(): void {
    this.thread?.stop();
    this.thread = null;
  }
}

/** The pass on the addon's thread (native/level0-prescan.cc), over the job's shared memory; null where the addon cannot run it. */
function startNative(job: PrescanJob, pauseMs: number, graphSpace: Space | null): PassThread | null {
  const { prescanLevel0, prescanStop } = addonFunctions();
  if (!prescanLevel0 || !prescanStop) return null;
  const { pickle, links } = job;
  const graph = graphSpace ? new Float64Array(new SharedArrayBuffer(16)) : null;
  const handle = prescanLevel0({
    ...job,
    pauseMs,
    graphSpace,
    graph,
    labels: new Float64Array(job.labels),
    flags: new Uint8Array(job.flags),
    status: new Int32Array(job.status),
    badRow: new Float64Array(job.badRow),
    chunkRows: new Float64Array(job.chunkRows),
    pickle: pickle && { file: pickle.file, bytes: new Uint8Array(pickle.bytes), done: new Int32Array(pickle.done), chunkBytes: pickle.chunkBytes },
    links: links && { file: links.file, bytes: new Uint8Array(links.bytes), upperAt: new Int32Array(links.upperAt), block: links.block, maxLevel: links.maxLevel },
  });
  if (!handle) return null;
  // Joining the thread takes at most one chunk's read: it looks at the stop flag between chunks.
  return { kind: 'native', stop: () => prescanStop(handle), waitSliceMs: NATIVE_WAIT_SLICE_MS, graph };
}

/** The pass in a worker thread running PRESCAN_PROGRAM; null where no worker starts. */
function startWorker(job: PrescanJob): PassThread | null {
  try {
    const worker = new (workerThreadsModule().Worker)(PRESCAN_PROGRAM, { eval: true, workerData: job });
    worker.unref();
    // Failures show in the shared status (or as a stall); the event only keeps them from
    // becoming an uncaught error.
    worker.on('error', () => {});
    return { kind: 'worker', stop: () => void worker.terminate(), waitSliceMs: WORKER_WAIT_SLICE_MS };
  } catch {
    return null;
  }
}

/**
 * scanLevel0Labels over a pre-scan's answers: the same result, and `sink` called for the same live
 * elements in the same order, told whether the quick plausibility check passed (the caller checks
 * the others exactly, from the file).
 */
export function visitPrescan(found: PrescanResult, labelBound: number, sink: (label: number, id: number, quickPlausible: boolean) => void): Level0LabelScan {
  return runSteps(visitPrescanSteps(found, labelBound, sink));
}

/** visitPrescan as steps (util/steps.ts): a pause every few thousand elements. */
export function* visitPrescanSteps(found: PrescanResult, labelBound: number, sink: (label: number, id: number, quickPlausible: boolean) => void): Steps<Level0LabelScan> {
  const scan: Level0LabelScan = { deletedCount: 0, liveLabels: new LiveLabels(labelBound), deletedLabels: new Set(), duplicates: [] };
  const live = scan.liveLabels;
  const { labels, flags } = found;
  for (let id = 0; id < labels.length; id++) {
    const label = labels[id]!;
    const f = flags[id]!;
    if ((f & DELETED) !== 0) {
      scan.deletedCount++;
      scan.deletedLabels.add(label);
      continue;
    }
    const prev = live.set(label, id);
    if (prev !== undefined) scan.duplicates.push({ label, first: prev, second: id });
    sink(label, id, (f & QUICK_PLAUSIBLE) !== 0);
    if ((id & VISIT_STEP_MASK) === VISIT_STEP_MASK) yield;
  }
  return scan;
}
