/**
 * The background vector load's worker (collection/prepared-load.ts): one pass over
 * data_level0.bin that copies what VectorState.load would take from it — each element's level-0
 * row, label and deleted flag, and the vectors (with their length.bin norms) into the slots the
 * load would give them — into shared memory. It checks nothing: it runs only after a first query
 * checked these very files (unloaded-vectors.ts), and its copy is used only if their stamp has
 * not moved since. A row it cannot take (a count past maxM0, a short file) fails the fill, and the
 * load then reads the files itself.
 */

/** What the worker is told (plain data: it crosses to the worker as workerData). */
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
  /** Elements per read. */
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
  /** Int32 × 3: [0] 1 = stop; [1] elements done; [2] 0 running, 1 done, 2 failed, 3 stopped. */
  state: SharedArrayBuffer;
  /** Run at the lowest priority (nobody is waiting yet). */
  background: boolean;
}

export const FILL_RUNNING = 0;
export const FILL_DONE = 1;
export const FILL_FAILED = 2;
export const FILL_STOPPED = 3;

/** The worker's program (CommonJS text, eval'd in the worker). */
export const FILL_PROGRAM = `
const { workerData: job } = require('node:worker_threads');
const fs = require('node:fs');
const state = new Int32Array(job.state);
if (job.background) {
  try { require('node:os').setPriority(Number(fs.readlinkSync('/proc/thread-self').split('/').pop()), 19); } catch {}
}
const readFull = (fd, buf, length, position) => {
  for (let done = 0; done < length; ) {
    const got = fs.readSync(fd, buf, done, length - done, position + done);
    if (got === 0) throw new Error('the file ended early');
    done += got;
  }
};
let end = ${FILL_FAILED};
try {
  const { count, size, dim, maxM0, perChunk } = job;
  const slotOfId = new Int32Array(job.slotOfId);
  const vectors = new Float32Array(job.vectors.buffer, job.vectors.byteOffset, job.vectors.slots * dim);
  const rows = new Uint32Array(job.rows);
  const labels = new Float64Array(job.labels);
  const deleted = new Uint8Array(job.deleted);
  const norms = job.norms ? new Float32Array(job.norms) : null;
  const stride = size >> 2;
  const labelWord = job.labelOffset >> 2;
  const dataWord = job.offsetData >> 2;
  const stride0 = maxM0 + 1;
  const chunk = Buffer.allocUnsafeSlow(Math.min(perChunk, count) * size);
  const words = new Uint32Array(chunk.buffer, chunk.byteOffset, chunk.length >> 2);
  const floats = new Float32Array(chunk.buffer, chunk.byteOffset, chunk.length >> 2);
  const normBytes = norms && job.lengthFile ? Buffer.allocUnsafeSlow(Math.min(perChunk, count) * 4) : null;
  const normFloats = normBytes ? new Float32Array(normBytes.buffer, normBytes.byteOffset, normBytes.length >> 2) : null;
  const fd = fs.openSync(job.dataFile, 'r');
  const normFd = normBytes ? fs.openSync(job.lengthFile, 'r') : -1;
  try {
    end = ${FILL_DONE};
    for (let first = 0; first < count; first += perChunk) {
      if (Atomics.load(state, 0) === 1) {
        end = ${FILL_STOPPED};
        break;
      }
      const n = Math.min(perChunk, count - first);
      readFull(fd, chunk, n * size, first * size);
      if (normFd >= 0) readFull(normFd, normBytes, n * 4, first * 4);
      for (let j = 0; j < n; j++) {
        const id = first + j;
        const w = j * stride;
        const head = words[w];
        const m = head & 0xffff;
        if (m > maxM0) throw new Error('a row has more neighbours than maxM0');
        const row = id * stride0;
        rows[row] = m;
        for (let k = 1; k <= m; k++) rows[row + k] = words[w + k];
        labels[id] = words[w + labelWord] + words[w + labelWord + 1] * 4294967296;
        deleted[id] = (head >>> 16) & 1;
        const slot = slotOfId[id];
        if (slot >= 0) {
          vectors.set(floats.subarray(w + dataWord, w + dataWord + dim), slot * dim);
          if (norms) norms[slot] = normFloats ? normFloats[j] : 1;
        }
      }
      Atomics.store(state, 1, first + n);
    }
  } finally {
    fs.closeSync(fd);
    if (normFd >= 0) fs.closeSync(normFd);
  }
} catch {
  end = ${FILL_FAILED};
}
Atomics.store(state, 2, end);
Atomics.notify(state, 2);
`;
