import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workerThreadsModule } from '../util/node-on-demand.js';
import type { HnswHeader, Space } from '../../../shared/models.js';
import { segmentFilesStamp, type CheckpointResult } from '../hnsw/checkpoint.js';
import { compactedSteps } from '../hnsw/pickle-id-map.js';
import { FILL_DONE, FILL_PROGRAM, FILL_RUNNING, fillChunks, type FillJob, type FillScratch } from '../hnsw/level0-fill-program.js';
import { reportLoad } from '../util/load-progress.js';
import { level0StaysInFiles, type Level0Links } from '../hnsw/level0-links.js';
import { DATA_LEVEL0_FILE, LENGTH_FILE } from '../hnsw/segment-files.js';
import { VectorArena } from '../hnsw/simd-kernel.js';
import { VectorSlab } from '../hnsw/vector-slab.js';
import { worthACopyThread, worthPrefaulting } from '../util/prefault.js';
import { hugePaged, hugePagedShared } from '../util/huge-pages.js';
import { runSteps, type Steps } from '../util/steps.js';
import { HOST_IS_LITTLE_ENDIAN } from '../util/host-endianness.js';

/** What a first query answered from the files knows, for the load that the second query needs. */
export interface LoadPlan {
  folderDir: string;
  segmentId: string;
  header: HnswHeader;
  /** The checkpoint as the first query checked it (sound, fully covered, no warnings). */
  checkpoint: CheckpointResult;
  /** Internal id + 1 by label, for every live element with a sound vector (the slab's contents). */
  elementOf: Int32Array;
}

/** A load done in the background: the slab, the level-0 rows, and the checkpoint they belong to. */
export interface FilledLoad {
  checkpoint: CheckpointResult;
  slab: VectorSlab;
  links: Level0Links;
}

/** How long a sliced join copies before it gives the thread back (takeFilledSteps). */
const JOIN_SLICE_MS = 15;

/** Elements per read of the fill (as the scans: a couple of MB). */
const FILL_CHUNK_BYTES = 2 * 1024 * 1024;

/** How long a slice of the copy this thread makes while idle (no helper thread) runs before giving the thread back. */
const FILL_HERE_SLICE_MS = 10;

/** Elements a step of startSteps lays out: ~5–10 ms here, mostly the page faults of fresh memory. */
const ELEMENTS_PER_START_STEP = 131_072;

export interface StartOptions {
  /** Whether a helper thread copies (default: from COPY_THREAD_MIN_BYTES bytes); without one, fillHereSteps does. */
  helper?: boolean;
  chunkBytes?: number;
  /** Elements per step of startSteps (tests use small ones). */
  elementsPerStep?: number;
}

/**
 * The vector load that a first query answered from the files (unloaded-vectors.ts) leaves to the
 * second, done in the background while the person reads the first answer. A low-priority worker
 * (from COPY_THREAD_MIN_BYTES; below, this thread in idle slices: fillHereSteps) copies the
 * vectors and level-0 rows into shared memory (level0-fill-program.ts), in the slots the load
 * would give them; most of that is the page faults of the fresh memory (a million × 128:
 * ~1.5 s of a ~2.5 s load). The checks are the first query's: it checked these very files, and the
 * fill is taken only if their stamp has not moved since (a running Chroma persisting in between
 * moves it). A load that comes while the fill is still running joins it. Otherwise (the files
 * moved, or the copy failed) the load reads the files itself, into the same memory once the fill
 * has stopped, its pages already (partly) mapped.
 *
 * Nothing is prepared when the load is too small to be worth preparing, or when the machine has less
 * than twice the memory free: speculation must not push a tight machine into swapping.
 */
export class PreparedLoad {
  private arena: VectorArena | null;
  private rows: Uint32Array | null;
  private filled = false;
  /** The read buffers of the copies this thread makes (a slice at a time: allocated once, not per slice). */
  private readonly scratch: FillScratch = { chunk: null, norms: null };

  private constructor(
    private readonly plan: LoadPlan,
    private readonly space: Space,
    arena: VectorArena,
    private readonly job: FillJob,
    private readonly slotLabels: Float64Array,
    /** True when no helper thread copies: this thread does, in slices (fillHereSteps) or when the load joins. */
    readonly fillsHere: boolean,
  ) {
    this.arena = arena;
    this.rows = new Uint32Array(job.rows);
  }

  /**
   * `helper: false` starts no worker (tests; as when none can start): the load then copies every
   * chunk itself. `chunkBytes`: the size of the unit the threads claim (tests use small ones).
   * Null when nothing is prepared — including when memory for it cannot be had: this is
   * speculation, and must never fail what runs it.
   */
  static start(space: Space, plan: LoadPlan, opts: StartOptions = {}): PreparedLoad | null {
    return runSteps(PreparedLoad.startSteps(space, plan, opts));
  }

  /**
   * start() in steps of about ELEMENTS_PER_START_STEP elements: the slots are laid out in fresh
   * memory, whose page faults alone took 40–70 ms in one piece at a million vectors here.
   */
  static *startSteps(space: Space, plan: LoadPlan, opts: StartOptions = {}): Steps<PreparedLoad | null> {
    try {
      return yield* PreparedLoad.startOrThrowSteps(space, plan, opts);
    } catch {
      return null;
    }
  }

  private static *startOrThrowSteps(space: Space, plan: LoadPlan, opts: StartOptions): Steps<PreparedLoad | null> {
    // The first query's decoded pickle goes first: its ids compacted, its buffer collected. Left
    // to idle slices, that came after the copy at five million (the vectors' 2.4 GB arrived in
    // ~1 s), and the process's peak held both: ~230 MB more.
    yield* compactedSteps(plan.checkpoint.idToLabel);
    const h = plan.header;
    const { curElementCount: count, dim, maxM0 } = h;
    // Rows that stay in data_level0.bin (level0StaysInFiles) are not copied: the graph reads them there.
    const rowWords = level0StaysInFiles(h) ? 0 : count * (maxM0 + 1);
    const bytes = count * dim * 4 + rowWords * 4;
    if (count <= 0 || !worthPrefaulting(bytes) || bytes * 2 > availableMemory() || !HOST_IS_LITTLE_ENDIAN) return null;
    if (h.sizeDataPerElement % 4 !== 0 || h.offsetData % 4 !== 0 || h.labelOffset % 4 !== 0) return null;
    const step = opts.elementsPerStep ?? ELEMENTS_PER_START_STEP;
    // The slab's order: live, sound elements by internal id, as the load's scan meets them.
    const slotOfId = hugePaged(new Int32Array(new SharedArrayBuffer(count * 4)));
    for (let from = 0; from < count; from += step) {
      slotOfId.fill(-1, from, Math.min(count, from + step));
      yield;
    }
    const elementOf = plan.elementOf;
    for (let from = 0; from < elementOf.length; from += step) {
      const to = Math.min(elementOf.length, from + step);
      for (let label = from; label < to; label++) if (elementOf[label]! > 0) slotOfId[elementOf[label]! - 1] = 0;
      yield;
    }
    let slots = 0;
    for (let from = 0; from < count; from += step) {
      const to = Math.min(count, from + step);
      for (let id = from; id < to; id++) if (slotOfId[id] === 0) slotOfId[id] = slots++;
      yield;
    }
    // The slab's own labels once the load is done (VectorSlab.filledSteps takes the array).
    const slotLabels = hugePaged(new Float64Array(slots));
    for (let from = 0; from < elementOf.length; from += step) {
      const to = Math.min(elementOf.length, from + step);
      for (let label = from; label < to; label++) if (elementOf[label]! > 0) slotLabels[slotOfId[elementOf[label]! - 1]!] = label;
      yield;
    }
    const arena = VectorArena.create(space, dim, Math.max(1, slots), true);
    const vectors = arena?.sharedVectors();
    if (!arena || !vectors) return null;
    const segmentDir = path.join(plan.folderDir, plan.segmentId);
    const lengthFile = path.join(segmentDir, LENGTH_FILE);
    const perChunk = Math.max(1, Math.floor((opts.chunkBytes ?? FILL_CHUNK_BYTES) / h.sizeDataPerElement));
    const job: FillJob = {
      dataFile: path.join(segmentDir, DATA_LEVEL0_FILE),
      lengthFile: space === 'cosine' && fs.existsSync(lengthFile) ? lengthFile : null,
      count,
      size: h.sizeDataPerElement,
      offsetData: h.offsetData,
      labelOffset: h.labelOffset,
      dim,
      maxM0,
      perChunk,
      slotOfId: slotOfId.buffer as SharedArrayBuffer,
      vectors: { buffer: vectors.buffer, byteOffset: vectors.byteOffset, slots },
      rows: rowWords > 0 ? hugePagedShared(rowWords * 4) : new SharedArrayBuffer(0),
      labels: hugePagedShared(count * 8),
      deleted: new SharedArrayBuffer(count),
      norms: space === 'cosine' ? new SharedArrayBuffer(Math.max(1, slots) * 4) : null,
      chunkDone: new SharedArrayBuffer(Math.ceil(count / perChunk)),
      state: new SharedArrayBuffer(20),
    };
    let helper = opts.helper ?? worthACopyThread(bytes);
    try {
      if (helper) {
        const worker = new (workerThreadsModule().Worker)(FILL_PROGRAM, { eval: true, workerData: job });
        worker.unref();
        // A fill that fails says so in its state; the event only keeps it from being uncaught.
        worker.on('error', () => {});
      }
    } catch {
      // No helper: this thread copies the chunks, still without checking the files again.
      helper = false;
    }
    return new PreparedLoad(plan, space, arena, job, slotLabels, !helper);
  }

  private get stopAsked(): boolean {
    return Atomics.load(new Int32Array(this.job.state), 0) === 1;
  }

  private get fillState(): number {
    return Atomics.load(new Int32Array(this.job.state), 2);
  }

  /** Chunks the fill has copied so far (tests). */
  get copiedChunks(): number {
    return Atomics.load(new Int32Array(this.job.state), 1);
  }

  /** Whether the fill has finished (done or failed). */
  get settled(): boolean {
    return this.fillState !== FILL_RUNNING;
  }

  /**
   * The load, once: when the segment's files still carry the stamp the first query's checks were
   * made under, before and after the copy. A fill still running is joined: this thread copies the
   * chunks left (with progress), so the load takes no longer than its share. Null otherwise (the
   * fill failed, or the files moved): the caller reads the files itself.
   */
  takeFilled(space: Space, dim: number): FilledLoad | null {
    return runSteps(this.takeFilledSteps(space, dim));
  }

  /** takeFilled as steps (util/steps.ts): a fill still running is joined `joinSliceMs` of copying at a time. */
  *takeFilledSteps(space: Space, dim: number, joinSliceMs = JOIN_SLICE_MS): Steps<FilledLoad | null> {
    const { checkpoint, folderDir, segmentId, header } = this.plan;
    if (this.filled || !this.arena || !this.rows || space !== this.space || dim !== header.dim || !checkpoint.filesStamp) return null;
    const unmoved = () => segmentFilesStamp(folderDir, segmentId) === checkpoint.filesStamp;
    if (!unmoved()) return null;
    const message = `Loading the vectors of ${segmentId}`;
    const onChunk = (copied: number) => reportLoad(Math.min(copied * this.job.perChunk, header.curElementCount), header.curElementCount, message);
    yield* this.copySlices(joinSliceMs, onChunk, () => true);
    // The helper may still be writing a chunk this thread copied again: the load owns the memory
    // (a WAL tail may rewrite a slot) only once the helper is out.
    if (this.fillState !== FILL_DONE || !this.stopFill() || !unmoved()) return null;
    this.filled = true;
    const norms = this.job.norms ? new Float32Array(this.job.norms) : null;
    const slab = yield* VectorSlab.filledSteps(space, dim, this.arena, this.slotLabels, norms);
    const labels = new Float64Array(this.job.labels);
    const deleted = new Uint8Array(this.job.deleted);
    let maxLabel = 0;
    let deletedCount = 0;
    for (let id = 0; id < labels.length; id++) {
      if (labels[id]! > maxLabel) maxLabel = labels[id]!;
      deletedCount += deleted[id]!;
    }
    const links: Level0Links = { count: header.curElementCount, level0: this.rows, labels, deleted, deletedCount, maxLabel };
    this.arena = null;
    this.rows = null;
    return { checkpoint, slab, links };
  }

  /**
   * The copy made by this thread when no helper makes it (fillsHere), a slice of about `sliceMs` a
   * step, for the idle turns between calls (BackgroundLoadSlot). Ends when the copy is done, failed
   * or stopped, or once a load has taken the memory.
   */
  *fillHereSteps(sliceMs = FILL_HERE_SLICE_MS): Steps<void> {
    yield* this.copySlices(sliceMs, undefined, () => this.arena !== null && !this.filled);
  }

  /**
   * The chunks still to copy, copied by this thread `sliceMs` at a time (a step each) while
   * `going` says so, until the fill is done, failed or stopped; its read buffers are let go then.
   */
  private *copySlices(sliceMs: number, onChunk: ((copied: number) => void) | undefined, going: () => boolean): Steps<void> {
    while (going() && this.fillState === FILL_RUNNING && !this.stopAsked) {
      const started = performance.now();
      fillChunks(fs, this.job, true, onChunk, () => performance.now() - started >= sliceMs, this.scratch);
      if (this.fillState === FILL_RUNNING) yield;
    }
    this.scratch.chunk = this.scratch.norms = null;
  }

  /**
   * The memory, for a load that reads the files itself: the fill is stopped first (it ends within
   * one read), so the two never write at once. Each is given once, and only for the layout it
   * was made for.
   */
  takeArena(space: Space, slots: number, dim: number): VectorArena | null {
    if (space !== this.space || dim !== this.plan.header.dim || !this.arena || !this.stopFill()) return null;
    const arena = this.arena;
    this.arena = null;
    // The load reserves a slot per element (deleted ones too); the fill made one per live vector.
    return arena.grow(slots) ? arena : null;
  }

  takeRows(length: number): Uint32Array | null {
    if (this.rows?.length !== length || !this.stopFill()) return null;
    const rows = this.rows;
    this.rows = null;
    return rows;
  }

  /** Stops the fill and lets go of what was not taken. */
  release(): void {
    Atomics.store(new Int32Array(this.job.state), 0, 1);
    this.arena = null;
    this.rows = null;
    this.scratch.chunk = this.scratch.norms = null;
  }

  /**
   * Stops the fill; true once it has ended. It checks between reads of a couple of MB, so this is
   * a wait of milliseconds; a fill that does not end in time (starved at its low priority) keeps
   * its memory, and the load takes fresh memory rather than write beside it.
   */
  private stopped: boolean | null = null;

  private stopFill(): boolean {
    if (this.stopped !== null) return this.stopped;
    const state = new Int32Array(this.job.state);
    Atomics.store(state, 0, 1);
    // A worker not started yet sees the stop before it copies anything.
    const end = Date.now() + 2000;
    for (let inside = Atomics.load(state, 4); inside > 0 && Date.now() < end; inside = Atomics.load(state, 4)) Atomics.wait(state, 4, inside, 50);
    this.stopped = Atomics.load(state, 4) === 0;
    return this.stopped;
  }

  /** Threads copying right now (tests: none once the memory is handed over). */
  get threadsInside(): number {
    return Atomics.load(new Int32Array(this.job.state), 4);
  }
}

/** Memory the process can still take: the machine's, or its container's when that is less. */
function availableMemory(): number {
  const own = (process as { availableMemory?: () => number }).availableMemory?.();
  return typeof own === 'number' && own > 0 ? Math.min(own, os.freemem()) : os.freemem();
}
