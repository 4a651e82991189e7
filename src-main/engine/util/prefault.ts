import type { Worker } from 'node:worker_threads';
import { workerThreadsModule } from './node-on-demand.js';
import { hugePaged } from './huge-pages.js';

/**
 * A helper thread that takes the page faults of big shared buffers the calling thread is about
 * to fill. A page of fresh memory costs its first writer a fault; on the virtual machines this
 * runs on that is ~12 µs per 4 KiB page, so filling 512 MB of vectors (a million × 128) spends
 * ~1.5 s in the kernel before a byte is copied. The helper touches the pages from the buffers'
 * far ends while the caller fills them from the front, so the two share the faults; with a head
 * start (the load begins later), the caller finds them all mapped.
 *
 * A touch is an atomic OR with 0 on one byte per page: it writes (a read would only map the
 * shared zero page) without changing anything, and being atomic it cannot lose a byte the caller
 * writes at the same moment. Touching a page twice, or one the caller already filled, is harmless.
 */

/** A span of shared memory (byte offset and length within `buffer`) to map ahead of its writer. */
export interface PrefaultRegion {
  buffer: SharedArrayBuffer;
  byteOffset: number;
  byteLength: number;
}

/**
 * `off` never starts the helper; `always` starts it for any size (tests); `here`: as `always`, but a
 * background copy is made by the calling thread (worthACopyThread; tests); unset: above PREFAULT_MIN_BYTES.
 */
export const PREFAULT_ENV = 'CHROMA_INSPECTOR_PREFAULT';

/** Below this many bytes in all, starting a thread (tens of milliseconds) costs about what it saves. */
export const PREFAULT_MIN_BYTES = 48 * 1024 * 1024;

/**
 * From this many bytes a background copy (collection/prepared-load.ts) gets a thread of its own;
 * below, this thread copies in short slices while it has nothing else to do. A worker thread is
 * ~10 MB of resident memory (its own V8 heap) for as long as it copies: 15% more than the process
 * holds at 100,000 × 128 (64 MB copied, a few hundred ms of slices), 1.5% at a million (640 MB,
 * ~1.5 s of page faults a second core takes).
 */
export const COPY_THREAD_MIN_BYTES = 256 * 1024 * 1024;

const PAGE = 4096;
/** Pages touched per turn before looking for new regions or a stop. */
const BURST = 64;

/**
 * The helper's program (CommonJS text, eval'd in the worker). state[0]: 1 = stop; state[1]:
 * pages touched; state[2]: 1 once every region given so far is touched. Each turn goes to the
 * region with the largest share still untouched, so all regions meet the caller's front (which
 * advances through them in proportion, one pass over the file) at about the same time.
 */
const PROGRAM = `
const { workerData, parentPort, receiveMessageOnPort } = require('node:worker_threads');
const state = new Int32Array(workerData.state);
const regions = [];
const add = (r) => {
  const pages = Math.ceil(r.byteLength / ${PAGE});
  if (pages > 0) regions.push({ bytes: new Uint8Array(r.buffer, r.byteOffset, r.byteLength), pages, left: pages });
};
for (const r of workerData.regions) add(r);
// A helper nobody stops ends by itself after ~2 s with nothing to touch.
let idleTurns = 0;
for (;;) {
  if (Atomics.load(state, 0) === 1) break;
  for (let m = receiveMessageOnPort(parentPort); m; m = receiveMessageOnPort(parentPort)) add(m.message);
  let pick = null;
  for (const r of regions) if (r.left > 0 && (pick === null || r.left / r.pages > pick.left / pick.pages)) pick = r;
  if (pick === null) {
    Atomics.store(state, 2, 1);
    if (++idleTurns > 100) break;
    Atomics.wait(state, 0, 0, 20);
    continue;
  }
  idleTurns = 0;
  Atomics.store(state, 2, 0);
  for (let i = 0; i < ${BURST} && pick.left > 0; i++) {
    pick.left--;
    Atomics.or(pick.bytes, Math.min(pick.left * ${PAGE}, pick.bytes.length - 1), 0);
    Atomics.add(state, 1, 1);
  }
}
`;

export class Prefault {
  private stopped = false;

  private constructor(
    private readonly worker: Worker,
    private readonly state: Int32Array,
  ) {}

  /**
   * Starts the helper on `regions` (more can be added), or gives null: prefaulting is off, the
   * regions are small, or no thread could start (the caller then simply takes its own faults).
   */
  static start(regions: PrefaultRegion[]): Prefault | null {
    if (!worthPrefaulting(regions.reduce((sum, r) => sum + r.byteLength, 0))) return null;
    const state = new Int32Array(new SharedArrayBuffer(12));
    try {
      const worker = new (workerThreadsModule().Worker)(PROGRAM, { eval: true, workerData: { state: state.buffer, regions } });
      worker.unref();
      // A helper that fails only leaves the faults to the caller.
      worker.on('error', () => {});
      return new Prefault(worker, state);
    } catch {
      return null;
    }
  }

  /** Another region to map (it goes behind the ones still being touched, by its untouched share). */
  add(region: PrefaultRegion): void {
    if (!this.stopped && region.byteLength > 0) this.worker.postMessage(region);
  }

  /** Pages touched so far. */
  get touched(): number {
    return Atomics.load(this.state, 1);
  }

  /** Whether every region added so far has been touched (the helper is waiting for more). */
  get idle(): boolean {
    return Atomics.load(this.state, 2) === 1;
  }

  /** Ends the helper (it finishes its current burst of a few pages and exits). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    Atomics.store(this.state, 0, 1);
    Atomics.notify(this.state, 0);
  }
}

/** Whether a background copy of this many bytes gets a thread of its own (PREFAULT_ENV `always`: any size; `here`: none). */
export function worthACopyThread(bytes: number): boolean {
  const mode = process.env[PREFAULT_ENV];
  return mode === 'always' || (mode !== 'here' && bytes >= COPY_THREAD_MIN_BYTES);
}

/** Whether a fill of this many fresh bytes is worth a helper thread (PREFAULT_ENV decides first). */
export function worthPrefaulting(bytes: number): boolean {
  const mode = process.env[PREFAULT_ENV];
  return mode === 'always' || mode === 'here' || (mode !== 'off' && bytes >= PREFAULT_MIN_BYTES);
}

/** A Uint32Array in shared memory when it is big enough to prefault (see PrefaultGroup.rows), else an ordinary one. */
export function maybeSharedUint32Array(length: number): Uint32Array {
  return new Uint32Array(worthPrefaulting(length * 4) ? new SharedArrayBuffer(length * 4) : new ArrayBuffer(length * 4));
}

/**
 * The buffers of one fill (a vector load): the helper starts with the first region worth it and
 * takes the others as they are allocated; stop() once the fill is done.
 */
export class PrefaultGroup {
  private prefault: Prefault | null = null;

  add(region: PrefaultRegion | null): void {
    if (!region) return;
    if (this.prefault) this.prefault.add(region);
    else this.prefault = Prefault.start([region]);
  }

  /**
   * An array of `length` u32 for the fill, its pages mapped ahead when it is big enough; `given`
   * (shared memory made ahead, prepared-load.ts) is used instead when there is one.
   */
  rows(length: number, given?: Uint32Array | null): Uint32Array {
    // Smaller arrays ride along once the helper runs anyway.
    const rows = given ?? hugePaged(this.prefault ? new Uint32Array(new SharedArrayBuffer(length * 4)) : maybeSharedUint32Array(length));
    if (rows.buffer instanceof SharedArrayBuffer) this.add({ buffer: rows.buffer, byteOffset: rows.byteOffset, byteLength: rows.byteLength });
    return rows;
  }

  stop(): void {
    this.prefault?.stop();
    this.prefault = null;
  }
}
