import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { HnswHeader } from '../../../shared/models.js';
import { reportLoad } from '../util/load-progress.js';
import { firstBadRow, rowProblemText, sameLayout } from './level0-links.js';
import { LiveLabels, type Level0LabelScan } from './level0-scan.js';
import { PLAUSIBLE, quickPlausible, type PlausibilityBounds } from './vector-plausibility.js';
import { linkListsEnd as linkListsEndOf } from './segment-files.js';
import { linkListBlockBytes } from './header.js';

/**
 * The whole-file pass over data_level0.bin that a checkpoint check needs before a first answer —
 * every element's label and deleted flag, its vector's plausibility, its level-0 row bounds — run
 * in a worker thread while the calling thread decodes the pickle (the other half of that wait).
 * The file is checked in chunks that either thread claims: when the caller is done with the
 * pickle first, it takes the chunks left (finish), so neither thread waits while the other has
 * work. It keeps no vector: only for readers that need the checks, not the vectors
 * (UnloadedVectors).
 *
 * The worker's program is sent as source text (eval), built from self-contained functions, so it
 * runs the same from sources (tests), from dist/ and from the Electron asar, with no entry file to
 * ship. It writes its answers into shared memory; the caller waits with Atomics.wait, since the
 * read it serves is synchronous. Anything unexpected — no worker, a failed read, a worker that
 * stops answering — makes finish() return null, and the caller scans in its own thread, which
 * then reports the problem as it always has.
 */

/**
 * Below this many elements the worker's start (50–70 ms on the 2-core bench machine) costs about
 * what the pass it takes over does: at 100,000 × 128 a first query measured ~235 ms without it
 * and ~260 ms with it; at 1,000,000, ~1.1 s without and ~0.85 s with.
 */
export const PRESCAN_MIN_ELEMENTS = 250_000;
/**
 * `off`: never start the worker; `always`: start it for any segment (the tests do, inside the
 * worker pool's threads too, which take the environment they start with). Read at each start.
 */
export const PRESCAN_ENV = 'CHROMA_INSPECTOR_PRESCAN';
/** The worker reports each chunk; this long without one means it is stuck or gone. */
const STALL_MS = 15_000;
const WAIT_SLICE_MS = 50;

/** What the worker is told (plain data: it crosses to the worker as workerData). */
interface PrescanJob {
  dataFile: string;
  lengthFile: string | null;
  count: number;
  size: number;
  labelOffset: number;
  offsetData: number;
  dim: number;
  maxM0: number;
  cosine: boolean;
  bounds: PlausibilityBounds;
  chunkBytes: number;
  /** Float64 per element: its label. */
  labels: SharedArrayBuffer;
  /** Byte per element: DELETED | QUICK_PLAUSIBLE. */
  flags: SharedArrayBuffer;
  /**
   * Int32 × 10: [0] the element pass's state (RUNNING/DONE/FAILED), [1] elements done, [2]
   * unused, [3] FAILED once a pickle chunk failed, [4] a heartbeat (one per chunk read), [5] the
   * next pickle chunk to claim, [6] pickle chunks read, [7] the link lists' state
   * (RUNNING/DONE/FAILED), [8] the next level-0 chunk to claim, [9] level-0 chunks done.
   */
  status: SharedArrayBuffer;
  /** Float64 × 3: [2] the link lists' walk end. */
  badRow: SharedArrayBuffer;
  /**
   * Float64 × 3 per level-0 chunk: firstBadRow's kind for its rows, and the element and its count
   * or link. Chunks finish in any order; the first chunk with a bad row has the file's first.
   */
  chunkRows: SharedArrayBuffer;
  /**
   * index_metadata.pickle, read first into `bytes` (its size when the job started), chunk by
   * chunk in file order (readPickleChunks), `done` marking each chunk read (Int32 per chunk). The
   * caller decodes behind the worker as the chunks arrive (pickleBytes): the read, and the page
   * faults of its fresh memory (most of the read on a large file), are then off the caller's path.
   * Null when the caller has it already decoded.
   */
  pickle: { file: string; bytes: SharedArrayBuffer; done: SharedArrayBuffer; chunkBytes: number } | null;
  /**
   * link_lists.bin (its size when the job started), read and walked after the pickle: its bytes,
   * each element's level-1 block start + 1 (Int32 per element), and the walk's end in
   * `badRow`[2] (linkListsEnd: negative on a failure, which the caller then finds itself).
   */
  links: { file: string; bytes: SharedArrayBuffer; upperAt: SharedArrayBuffer; block: number; maxLevel: number } | null;
}

/** Thrown by pickleBytes' `arrive` when the bytes will not come: the caller reads the file itself. */
export const PICKLE_NOT_READ = new Error('index_metadata.pickle was not read by the pre-scan');

const RUNNING = 0;
const DONE = 1;
const DELETED = 1;
const QUICK_PLAUSIBLE = 2;

type FsApi = typeof import('node:fs');

/**
 * The worker's program. Self-contained: it is sent as source text, so it may use only its
 * arguments (the helpers come in as functions, by the names the bundle gave them).
 */
function prescanProgram(
  job: PrescanJob,
  fs: FsApi,
  plausible: typeof quickPlausible,
  badRow: typeof firstBadRow,
  readChunks: typeof readPickleChunks,
  linkListsEnd: typeof linkListsEndOf,
  scanChunks: typeof scanLevel0Chunks,
): void {
  const status = new Int32Array(job.status);
  if (job.pickle !== null) readChunks(fs, job.pickle.file, job.pickle.bytes, new Int32Array(job.pickle.done), status, job.pickle.chunkBytes, Infinity);
  if (job.links !== null) {
    try {
      const bytes = Buffer.from(job.links.bytes);
      const lfd = fs.openSync(job.links.file, 'r');
      try {
        for (let done = 0; done < bytes.length; ) {
          const got = fs.readSync(lfd, bytes, done, bytes.length - done, done);
          if (got === 0) throw new Error('link_lists.bin ended early');
          done += got;
          Atomics.add(status, 4, 1);
        }
      } finally {
        fs.closeSync(lfd);
      }
      const at = new Float64Array(job.badRow);
      at[2] = linkListsEnd(bytes, job.count, job.links.block, job.links.maxLevel, new Float64Array(3), new Int32Array(job.links.upperAt));
      Atomics.store(status, 7, 1);
    } catch {
      Atomics.store(status, 7, 2);
    }
    Atomics.notify(status, 7);
  }
  // start() asks for at least one element, so there is a chunk whose end sets the state.
  scanChunks(fs, job, plausible, badRow);
}

/** Level-0 chunks: the unit the two threads claim (each a read of up to this many bytes). */
const CHUNK_BYTES = 2 * 1024 * 1024;

/**
 * Checks level-0 chunks into the shared answers, claiming each from status[8] until none is
 * left: the worker runs it after the pickle and the link lists, and the calling thread joins it
 * when it is done with the pickle (finish), so neither waits while the other has work. status[9]
 * counts the chunks done; whoever finishes the last sets status[0] DONE. A failed read sets it
 * FAILED (the caller then scans the file itself). `onChunk` runs after each chunk, outside the
 * failure handling: a cancelled load's error goes on to the caller. Self-contained: it is sent to
 * the worker as text.
 */
function scanLevel0Chunks(fs: FsApi, job: PrescanJob, plausible: typeof quickPlausible, badRow: typeof firstBadRow, onChunk?: () => void): number {
  const status = new Int32Array(job.status);
  const labels = new Float64Array(job.labels);
  const flags = new Uint8Array(job.flags);
  const rows = new Float64Array(job.chunkRows);
  const { count: total, size, labelOffset, offsetData, dim, maxM0, cosine, bounds } = job;
  const perChunk = Math.max(1, Math.floor(job.chunkBytes / size));
  const chunks = Math.ceil(total / perChunk);
  const where = new Float64Array(2);
  let chunk: Buffer | null = null;
  let normBytes: Buffer | null = null;
  let fd = -1;
  let normFd = -1;
  let taken = 0;
  try {
    for (let i = Atomics.add(status, 8, 1); i < chunks; i = Atomics.add(status, 8, 1)) {
      if (Atomics.load(status, 0) === 2) break; // the other thread failed: the caller scans anyway
      try {
        if (chunk === null) {
          fd = fs.openSync(job.dataFile, 'r');
          if (job.lengthFile !== null) normFd = fs.openSync(job.lengthFile, 'r');
          chunk = Buffer.allocUnsafeSlow(Math.min(perChunk, total) * size);
          normBytes = Buffer.allocUnsafeSlow(Math.min(perChunk, total) * 4);
        }
        const floats = new Float32Array(chunk.buffer, chunk.byteOffset, chunk.length >> 2);
        const words = new Uint32Array(chunk.buffer, chunk.byteOffset, chunk.length >> 2);
        const first = i * perChunk;
        const n = Math.min(perChunk, total - first);
        for (let done = 0; done < n * size; ) {
          const got = fs.readSync(fd, chunk, done, n * size - done, first * size + done);
          if (got === 0) throw new Error('data_level0.bin ended early');
          done += got;
        }
        // As the caller reads length.bin: one norm per element; past a short file's end, NaN.
        let got = 0;
        while (normFd >= 0 && got < n * 4) {
          const r = fs.readSync(normFd, normBytes!, got, n * 4 - got, first * 4 + got);
          if (r === 0) break;
          got += r;
        }
        const norms = got >> 2;
        for (let j = 0; j < n; j++) {
          const id = first + j;
          const base = j * size;
          const lo = base + labelOffset;
          labels[id] = (chunk[lo]! | (chunk[lo + 1]! << 8) | (chunk[lo + 2]! << 16)) + chunk[lo + 3]! * 0x1000000 + chunk.readUInt32LE(lo + 4) * 2 ** 32;
          if ((chunk[base + 2]! & 0x01) !== 0) {
            flags[id] = 1;
            continue;
          }
          const norm = normFd < 0 ? null : j < norms ? normBytes!.readFloatLE(j * 4) : Number.NaN;
          flags[id] = plausible(floats, (base + offsetData) >> 2, dim, cosine, norm, bounds) ? 2 : 0;
        }
        rows[i * 3] = badRow(words, size >> 2, first, n, maxM0, total, where);
        rows[i * 3 + 1] = where[0]!;
        rows[i * 3 + 2] = where[1]!;
        taken++;
        Atomics.add(status, 1, n);
        Atomics.add(status, 4, 1);
        if (Atomics.add(status, 9, 1) + 1 === chunks) {
          Atomics.compareExchange(status, 0, 0, 1);
          Atomics.notify(status, 0);
        }
      } catch {
        Atomics.store(status, 0, 2);
        Atomics.notify(status, 0);
        return taken;
      }
      onChunk?.();
    }
  } finally {
    if (fd >= 0) fs.closeSync(fd);
    if (normFd >= 0) fs.closeSync(normFd);
  }
  return taken;
}

/** Pickle chunks: the unit the caller's decoding waits for, small enough to follow the read closely. */
const PICKLE_CHUNK_BYTES = 2 * 1024 * 1024;

/**
 * Reads up to `limit` chunks of `file` into `bytes`, each claimed from the shared counter
 * status[5] (so in file order), marking each in `done` and counting it in status[6]. Any failure
 * sets status[3] FAILED and wakes every waiter. The worker runs it for all chunks; the caller
 * for one, when the chunk its decoding needs is not claimed yet (pickleBytes). Self-contained:
 * it is sent to the worker as text.
 */
function readPickleChunks(fs: FsApi, file: string, bytes: SharedArrayBuffer, done: Int32Array, status: Int32Array, size: number, limit: number): void {
  const into = Buffer.from(bytes);
  const chunks = Math.ceil(into.length / size);
  let fd = -1;
  try {
    for (let n = 0; n < limit; n++) {
      if (Atomics.load(status, 3) !== 0) break; // a chunk failed: the caller reads the file itself
      const i = Atomics.add(status, 5, 1);
      if (i >= chunks) break;
      if (fd < 0) fd = fs.openSync(file, 'r');
      const end = Math.min(into.length, (i + 1) * size);
      for (let at = i * size; at < end; ) {
        const got = fs.readSync(fd, into, at, end - at, at);
        if (got === 0) throw new Error('index_metadata.pickle ended early');
        at += got;
      }
      Atomics.store(done, i, 1);
      Atomics.notify(done, i);
      Atomics.add(status, 6, 1);
      Atomics.add(status, 4, 1);
    }
  } catch {
    Atomics.store(status, 3, 2);
    for (let i = 0; i < chunks; i++) Atomics.notify(done, i);
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

const PROGRAM = `
const fs = require('node:fs');
const { workerData } = require('node:worker_threads');
${quickPlausible.toString()}
${firstBadRow.toString()}
${readPickleChunks.toString()}
${linkListsEndOf.toString()}
${scanLevel0Chunks.toString()}
(${prescanProgram.toString()})(workerData, fs, ${quickPlausible.name}, ${firstBadRow.name}, ${readPickleChunks.name}, ${linkListsEndOf.name}, ${scanLevel0Chunks.name});
`;

/** What the pre-scan found, for visitPrescan. */
export interface PrescanResult {
  labels: Float64Array;
  flags: Uint8Array;
  /** The first level-0 row that breaks the header's bounds (level0RowsProblem's message), or null. */
  rowProblem: string | null;
}

export class Level0Prescan {
  private worker: Worker | null;

  private constructor(
    worker: Worker,
    private readonly job: PrescanJob,
    private readonly header: HnswHeader,
    /** The tag of the pickle version the worker reads (null: it reads none). */
    readonly pickleStamp: string | null,
  ) {
    this.worker = worker;
  }

  /**
   * Starts the pass over `dataFile` (whose elements `header` describes), or null where it would
   * not pay or cannot run: small segments, layouts the worker's word views do not fit, a
   * big-endian host, or no worker thread. `lengthFile`: the cosine norms the checks compare.
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
    /** Bytes per level-0 chunk (tests use small ones, so that both threads take some). */
    chunkBytes = CHUNK_BYTES,
  ): Level0Prescan | null {
    const { curElementCount: count, sizeDataPerElement: size } = header;
    const mode = process.env[PRESCAN_ENV];
    if (mode === 'off' || count < (mode === 'always' ? 1 : PRESCAN_MIN_ELEMENTS) || os.endianness() !== 'LE') return null;
    if (size % 4 !== 0 || header.offsetData % 4 !== 0 || size < header.offsetData + header.dim * 4) return null;
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
      chunkBytes,
      labels: new SharedArrayBuffer(count * 8),
      flags: new SharedArrayBuffer(count),
      status: new SharedArrayBuffer(40),
      badRow: new SharedArrayBuffer(24),
      chunkRows: new SharedArrayBuffer(Math.ceil(count / Math.max(1, Math.floor(chunkBytes / size))) * 24),
      pickle:
        pickle && pickle.size > 0
          ? {
              file: pickle.file,
              bytes: new SharedArrayBuffer(pickle.size),
              done: new SharedArrayBuffer(Math.ceil(pickle.size / PICKLE_CHUNK_BYTES) * 4),
              chunkBytes: PICKLE_CHUNK_BYTES,
            }
          : null,
      links: links
        ? {
            file: links.file,
            bytes: new SharedArrayBuffer(links.size),
            upperAt: new SharedArrayBuffer(count * 4),
            block: linkListBlockBytes(header),
            maxLevel: header.maxLevel,
          }
        : null,
    };
    try {
      const worker = new Worker(PROGRAM, { eval: true, workerData: job });
      worker.unref();
      // Failures show in the shared status (or as a stall); the event only keeps them from
      // becoming an uncaught error.
      worker.on('error', () => {});
      return new Level0Prescan(worker, job, header, job.pickle ? pickle!.stamp : null);
    } catch {
      return null;
    }
  }

  /**
   * The pickle's bytes as they are being read (the size the file had when the job started), and
   * `arrive(upTo)`, which blocks until the bytes before `upTo` are there (reading the next chunk
   * itself when the worker has not claimed it yet) and returns how far they reach. It throws
   * PICKLE_NOT_READ when they never will be (a failed read, a stalled worker): the caller then
   * reads the file itself. Null when the worker was not asked to read it.
   */
  pickleBytes(): { buf: Buffer; arrive: (upTo: number) => number } | null {
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
        if (!this.waitFor(done, ready, () => {}, 1, failed)) throw PICKLE_NOT_READ;
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
    const links = this.job.links;
    if (!links) return null;
    const status = new Int32Array(this.job.status);
    if (!this.waitFor(status, 7, () => {})) return null;
    const used = new Float64Array(this.job.badRow)[2]!;
    if (Atomics.load(status, 7) !== DONE || used < 0) return null;
    return { buf: Buffer.from(links.bytes), upperAt: new Int32Array(links.upperAt), used };
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
  private waitFor(cell: Int32Array, slot: number, progress: (done: number) => void, until = RUNNING + 1, abandon = () => false): boolean {
    const status = new Int32Array(this.job.status);
    let beat = -1;
    let since = Date.now();
    for (let now = Atomics.load(cell, slot); now < until && !abandon(); now = Atomics.load(cell, slot)) {
      if (!this.worker) return false;
      Atomics.wait(cell, slot, now, WAIT_SLICE_MS);
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
    const status = new Int32Array(this.job.status);
    try {
      if (!this.worker) return null;
      const report = () => reportLoad(Atomics.load(status, 1), this.job.count, progressMessage);
      this.chunksTakenHere = scanLevel0Chunks(fs, this.job, quickPlausible, firstBadRow, report);
      if (!this.waitFor(status, 0, (done) => reportLoad(done, this.job.count, progressMessage))) return null;
      if (Atomics.load(status, 0) !== DONE) return null;
      // The last step of a load is always reported, also when the worker was done before the wait.
      reportLoad(this.job.count, this.job.count, progressMessage);
      const { maxM0, curElementCount } = this.header;
      const rows = new Float64Array(this.job.chunkRows);
      let rowProblem: string | null = null;
      for (let i = 0; i < rows.length && rowProblem === null; i += 3) rowProblem = rowProblemText(rows[i]!, rows.subarray(i + 1, i + 3), maxM0, curElementCount);
      return { labels: new Float64Array(this.job.labels), flags: new Uint8Array(this.job.flags), rowProblem };
    } finally {
      this.close();
    }
  }

  /** How many level-0 chunks finish() checked in the calling thread (the worker took the rest). */
  chunksTakenHere = 0;

  /** Stops the worker if it still runs (a caller that returns early, or an error). */
  close(): void {
    void this.worker?.terminate();
    this.worker = null;
  }
}

/**
 * scanLevel0Labels over a pre-scan's answers: the same result, and `sink` called for the same live
 * elements in the same order, told whether the quick plausibility check passed (the caller checks
 * the others exactly, from the file).
 */
export function visitPrescan(found: PrescanResult, labelBound: number, sink: (label: number, id: number, quickPlausible: boolean) => void): Level0LabelScan {
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
  }
  return scan;
}
