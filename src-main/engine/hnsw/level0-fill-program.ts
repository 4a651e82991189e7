/**
 * The background vector load's copy (collection/prepared-load.ts): passes over data_level0.bin
 * chunks that copy what VectorState.load would take from them — each element's level-0 row,
 * label and deleted flag, and the vectors (with their length.bin norms) into the slots the load
 * would give them — into shared memory. It checks nothing: it runs only after a first query
 * checked these very files (unloaded-vectors.ts), and its copy is used only if their stamp has
 * not moved since. A row it cannot take (a count past maxM0, a short file) fails the fill, and the
 * load then reads the files itself.
 *
 * A worker runs it at the lowest priority; a load that comes before it is done joins in, taking
 * the chunks still left (fillChunks with `all`), so neither waits for the other.
 */

/** What the fill is told (plain data: it crosses to the worker as workerData). */
export interface FillJob {
  dataFile: string;
  /** length.bin for a cosine space (its norms go to `norms`), else null. */
  lengthFile: string | null;
  count: number;
  size: number;
  offsetData: number;
  labelOffset: number;
  dim: number;
  maxM0: number;
  /** Elements per chunk, the unit the threads claim. */
  perChunk: number;
  /** Int32 per element: the slab slot of its vector, or −1 (not in the slab). */
  slotOfId: SharedArrayBuffer;
  /** The slab's vectors: slot × dim float32s from `byteOffset`, `slots` of them. */
  vectors: { buffer: SharedArrayBuffer; byteOffset: number; slots: number };
  /** maxM0 + 1 u32 per element: the neighbour count, then the neighbours. */
  rows: SharedArrayBuffer;
  /** Float64 per element. */
  labels: SharedArrayBuffer;
  /** Byte per element: 1 when marked deleted. */
  deleted: SharedArrayBuffer;
  /** Float32 per slot (cosine): the norm from length.bin, or 1 without one. Null for other spaces. */
  norms: SharedArrayBuffer | null;
  /** Byte per chunk: 1 once copied. */
  chunkDone: SharedArrayBuffer;
  /**
   * Int32 × 5: [0] 1 = stop; [1] chunks copied; [2] FILL_RUNNING, FILL_DONE or FILL_FAILED;
   * [3] the next chunk to claim; [4] threads inside fillChunks.
   */
  state: SharedArrayBuffer;
}

/** The read buffers of a thread that copies a slice at a time (kept between its calls instead of allocated for each). */
export interface FillScratch {
  chunk: Buffer | null;
  norms: Buffer | null;
}

export const FILL_RUNNING = 0;
export const FILL_DONE = 1;
export const FILL_FAILED = 2;

type FsApi = typeof import('node:fs');

/**
 * Copies the chunks it claims from state[3] until none is left, and with `all` then every chunk
 * not yet marked copied: a thread that must not wait on a starved helper copies its chunk too
 * (the same bytes to the same places, so a chunk copied twice, even at once, is the same). Whoever
 * marks the last chunk sets FILL_DONE; a failed read or row sets FILL_FAILED, and a stop (state[0])
 * or a failure ends every thread at its next chunk. `onChunk` gets the chunks copied so far, and
 * what it throws (a cancelled load) goes on to the caller. `pauseNow`, asked after each chunk this
 * thread copies, ends this call early when it says so (a caller that gives its thread back and
 * calls again; the fill is left as it is); such a caller passes `scratch`, where the read
 * buffers are kept for its next call. Self-contained: it is sent to the worker as text.
 */
export function fillChunks(
  fs: FsApi,
  job: FillJob,
  all: boolean,
  onChunk?: (chunksCopied: number, chunks: number) => void,
  pauseNow?: () => boolean,
  scratch?: FillScratch,
): void {
  const state = new Int32Array(job.state);
  const chunkDone = new Uint8Array(job.chunkDone);
  const { count, size, dim, maxM0, perChunk } = job;
  const chunks = Math.ceil(count / perChunk);
  const ended = () => Atomics.load(state, 0) === 1 || Atomics.load(state, 2) !== 0;
  Atomics.add(state, 4, 1);
  let passOn = null as { error: unknown } | null;
  let fd = -1;
  let normFd = -1;
  try {
    if (ended()) return;
    const slotOfId = new Int32Array(job.slotOfId);
    const vectors = new Float32Array(job.vectors.buffer, job.vectors.byteOffset, job.vectors.slots * dim);
    const rows = new Uint32Array(job.rows);
    const keepsRows = rows.length > 0;
    const labels = new Float64Array(job.labels);
    const deleted = new Uint8Array(job.deleted);
    const norms = job.norms ? new Float32Array(job.norms) : null;
    const stride = size >> 2;
    const labelWord = job.labelOffset >> 2;
    const dataWord = job.offsetData >> 2;
    const stride0 = maxM0 + 1;
    const chunkBytes = Math.min(perChunk, count) * size;
    const chunk = scratch?.chunk?.length === chunkBytes ? scratch.chunk : Buffer.allocUnsafeSlow(chunkBytes);
    if (scratch) scratch.chunk = chunk;
    const words = new Uint32Array(chunk.buffer, chunk.byteOffset, chunk.length >> 2);
    const floats = new Float32Array(chunk.buffer, chunk.byteOffset, chunk.length >> 2);
    const normLength = Math.min(perChunk, count) * 4;
    const normBytes = norms && job.lengthFile ? (scratch?.norms?.length === normLength ? scratch.norms : Buffer.allocUnsafeSlow(normLength)) : null;
    if (scratch) scratch.norms = normBytes;
    const normFloats = normBytes ? new Float32Array(normBytes.buffer, normBytes.byteOffset, normBytes.length >> 2) : null;
    fd = fs.openSync(job.dataFile, 'r');
    if (normBytes && job.lengthFile) normFd = fs.openSync(job.lengthFile, 'r');
    const readFull = (from: number, buf: Buffer, length: number, position: number) => {
      for (let done = 0; done < length; ) {
        const got = fs.readSync(from, buf, done, length - done, position + done);
        if (got === 0) throw new Error('the file ended early');
        done += got;
      }
    };
    const copy = (i: number) => {
      const first = i * perChunk;
      const n = Math.min(perChunk, count - first);
      readFull(fd, chunk, n * size, first * size);
      if (normFd >= 0) readFull(normFd, normBytes!, n * 4, first * 4);
      for (let j = 0; j < n; j++) {
        const id = first + j;
        const w = j * stride;
        const head = words[w]!;
        const m = head & 0xffff;
        if (m > maxM0) throw new Error('a row has more neighbours than maxM0');
        // No rows when they stay in the file (level0StaysInFiles): the graph reads them there.
        if (keepsRows) {
          const row = id * stride0;
          rows[row] = m;
          for (let k = 1; k <= m; k++) rows[row + k] = words[w + k]!;
        }
        labels[id] = words[w + labelWord]! + words[w + labelWord + 1]! * 4294967296;
        deleted[id] = (head >>> 16) & 1;
        const slot = slotOfId[id]!;
        if (slot >= 0) {
          vectors.set(floats.subarray(w + dataWord, w + dataWord + dim), slot * dim);
          if (norms) norms[slot] = normFloats ? normFloats[j]! : 1;
        }
      }
      // Counted once, by whichever thread marks it.
      if (Atomics.compareExchange(chunkDone, i, 0, 1) === 0 && Atomics.add(state, 1, 1) + 1 === chunks) {
        Atomics.compareExchange(state, 2, 0, 1);
        Atomics.notify(state, 2);
      }
    };
    // A chunk that fails ends the fill; what `onChunk` throws (a cancelled load) ends this thread's
    // part only, and goes on to its caller.
    const copied = (i: number): boolean => {
      try {
        copy(i);
      } catch {
        Atomics.compareExchange(state, 2, 0, 2);
        Atomics.notify(state, 2);
        return false;
      }
      try {
        onChunk?.(Atomics.load(state, 1), chunks);
      } catch (error) {
        passOn = { error };
        return false;
      }
      return true;
    };
    let going = true;
    const next = (i: number): boolean => copied(i) && !(pauseNow && pauseNow());
    // A chunk is claimed only when it will be copied: a call that pauses claims none it leaves.
    while (going && !ended()) {
      const i = Atomics.add(state, 3, 1);
      if (i >= chunks) break;
      going = next(i);
    }
    for (let i = 0; going && all && i < chunks && !ended(); i++) if (Atomics.load(chunkDone, i) === 0) going = next(i);
  } catch {
    // Opening the files failed.
    Atomics.compareExchange(state, 2, 0, 2);
    Atomics.notify(state, 2);
  } finally {
    if (fd >= 0) fs.closeSync(fd);
    if (normFd >= 0) fs.closeSync(normFd);
    Atomics.sub(state, 4, 1);
    Atomics.notify(state, 4);
  }
  if (passOn) throw passOn.error;
}

/** The worker's program. Self-contained: it is sent as source text, so it may use only its arguments. */
function fillProgram(job: FillJob, fs: FsApi, os: typeof import('node:os'), fill: typeof fillChunks): void {
  // Nobody waits for it yet (a load that does joins on its own thread): the lowest priority, for
  // this thread only (Linux takes a thread id).
  try {
    os.setPriority(Number(fs.readlinkSync('/proc/thread-self').split('/').pop()), 19);
  } catch {
    // Elsewhere it runs at normal priority.
  }
  fill(fs, job, false);
}

export const FILL_PROGRAM = `
const { workerData } = require('node:worker_threads');
${fillChunks.toString()}
(${fillProgram.toString()})(workerData, require('node:fs'), require('node:os'), ${fillChunks.name});
`;
