import { firstBadRow } from './level0-links.js';
import { linkListsEnd as linkListsEndOf } from './segment-files.js';
import { quickPlausible, type PlausibilityBounds } from './vector-plausibility.js';

/**
 * The level-0 pre-scan's worker side (level0-prescan.ts runs it): what the worker is told, and
 * its program, sent as source text built from self-contained functions, so that it runs the same
 * from sources, dist/ and the Electron asar with no entry file to ship. scanLevel0Chunks and
 * readPickleChunks also run in the calling thread, which shares their chunks.
 */

/** What the worker is told (plain data: it crosses to the worker as workerData). */
export interface PrescanJob {
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
  /** Elements per level-0 chunk, the unit the two threads claim. */
  perChunk: number;
  /** Float64 per element: its label. */
  labels: SharedArrayBuffer;
  /** Byte per element: DELETED | QUICK_PLAUSIBLE. */
  flags: SharedArrayBuffer;
  /**
   * Int32 × 10: [0] the element pass's state (0 running, 1 done, 2 failed), [1] elements done,
   * [2] 1 once the addon's thread is asked to stop (native/level0-prescan.cc; a worker is
   * terminated instead), [3] 2 once a pickle chunk failed, [4] a heartbeat (one per chunk read), [5] the
   * next pickle chunk to claim, [6] the addon's graph sample's state (0 running, 1 done, 2 failed), [7] the link lists' state (0 running, 1 done, 2
   * failed), [8] the next level-0 chunk to claim, [9] level-0 chunks done.
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
export const CHUNK_BYTES = 2 * 1024 * 1024;

/**
 * Checks level-0 chunks into the shared answers, claiming each from status[8] until none is
 * left: the worker runs it after the pickle and the link lists, and the calling thread joins it
 * when it is done with the pickle (finish), so neither waits while the other has work. status[9]
 * counts the chunks done; whoever finishes the last sets status[0] DONE. A failed read sets it
 * FAILED (the caller then scans the file itself). `onChunk` runs after each chunk, outside the
 * failure handling: a cancelled load's error goes on to the caller. `limit`: claims no more than
 * this many chunks (a caller that gives its thread back between a few); `held`: the open files and
 * read buffers, kept across such calls (the caller closes the files) rather than opened and
 * allocated again each time. Self-contained: it is sent to the worker as text.
 */
export function scanLevel0Chunks(
  fs: FsApi,
  job: PrescanJob,
  plausible: typeof quickPlausible,
  badRow: typeof firstBadRow,
  onChunk?: () => void,
  limit = Infinity,
  held: HeldChunkFiles | null = null,
): number {
  const status = new Int32Array(job.status);
  const labels = new Float64Array(job.labels);
  const flags = new Uint8Array(job.flags);
  const rows = new Float64Array(job.chunkRows);
  const { count: total, size, labelOffset, offsetData, dim, maxM0, cosine, bounds } = job;
  const perChunk = job.perChunk;
  const chunks = Math.ceil(total / perChunk);
  const where = new Float64Array(2);
  let chunk = held ? held.chunk : null;
  let normBytes = held ? held.normBytes : null;
  let fd = held ? held.fd : -1;
  let normFd = held ? held.normFd : -1;
  let taken = 0;
  try {
    for (let i = taken < limit ? Atomics.add(status, 8, 1) : chunks; i < chunks; i = taken < limit ? Atomics.add(status, 8, 1) : chunks) {
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
    if (held) {
      held.fd = fd;
      held.normFd = normFd;
      held.chunk = chunk;
      held.normBytes = normBytes;
    } else {
      if (fd >= 0) fs.closeSync(fd);
      if (normFd >= 0) fs.closeSync(normFd);
    }
  }
  return taken;
}

/** What scanLevel0Chunks keeps open between calls for a caller that takes a few chunks at a time. */
export interface HeldChunkFiles {
  fd: number;
  normFd: number;
  chunk: Buffer | null;
  normBytes: Buffer | null;
}

/** Pickle chunks: the unit the caller's decoding waits for, small enough to follow the read closely. */
export const PICKLE_CHUNK_BYTES = 2 * 1024 * 1024;

/**
 * Reads up to `limit` chunks of `file` into `bytes`, each claimed from the shared counter
 * status[5] (so in file order) and marking each in `done`. Any failure
 * sets status[3] FAILED and wakes every waiter. The worker runs it for all chunks; the caller
 * for one, when the chunk its decoding needs is not claimed yet (pickleBytes). Self-contained:
 * it is sent to the worker as text.
 */
export function readPickleChunks(fs: FsApi, file: string, bytes: SharedArrayBuffer, done: Int32Array, status: Int32Array, size: number, limit: number): void {
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
      Atomics.add(status, 4, 1);
    }
  } catch {
    Atomics.store(status, 3, 2);
    for (let i = 0; i < chunks; i++) Atomics.notify(done, i);
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

export const PRESCAN_PROGRAM = `
const fs = require('node:fs');
const { workerData } = require('node:worker_threads');
${quickPlausible.toString()}
${firstBadRow.toString()}
${readPickleChunks.toString()}
${linkListsEndOf.toString()}
${scanLevel0Chunks.toString()}
(${prescanProgram.toString()})(workerData, fs, ${quickPlausible.name}, ${firstBadRow.name}, ${readPickleChunks.name}, ${linkListsEndOf.name}, ${scanLevel0Chunks.name});
`;
