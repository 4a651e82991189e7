import type { Space } from '../../../shared/models.js';
import { simdSpan } from './fork-distance.js';
import { adviseHugePages } from '../util/huge-pages.js';

/**
 * The fork's distance kernel (fork-distance.ts) as WebAssembly SIMD, over vectors that live in the
 * module's memory. f32x4 multiply and add are IEEE single precision per lane, without fusing, so
 * lane j sums elements j, j+4, … exactly as the fork's SSE accumulator does; the lanes are then
 * added 0+1+2+3 and the scalar tail after, in float32: bit for bit the JavaScript kernel's result
 * (the tests compare the two), about ten times faster.
 *
 * The module is a few hundred bytes assembled here (the kernels, one vector, a batch of slots and
 * a run of slots, over an imported memory): no toolchain, no binary in the repository.
 */

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32.const's immediate). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'utf8')];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

// Opcodes (WebAssembly core and SIMD proposals).
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (d: number) => [0x0c, d],
  brIf: (d: number) => [0x0d, d],
  get: (i: number) => [0x20, i],
  set: (i: number) => [0x21, i],
  tee: (i: number) => [0x22, i],
  f32Load: [0x2a, 0x02, 0x00],
  i32Load: [0x28, 0x02, 0x00],
  f32Store: [0x38, 0x02, 0x00],
  call: (f: number) => [0x10, ...uleb(f)],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32Const: (n: number) => [0x41, ...sleb(n)],
  f32Const1: [0x43, 0x00, 0x00, 0x80, 0x3f],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  f32Add: [0x92],
  f32Sub: [0x93],
  f32Mul: [0x94],
  v128Load: [0xfd, 0x00, 0x04, 0x00],
  lane: (l: number) => [0xfd, 0x1f, l],
  f32x4Add: [0xfd, ...uleb(228)],
  f32x4Sub: [0xfd, ...uleb(229)],
  f32x4Mul: [0xfd, ...uleb(230)],
};

// Parameters: q (byte address), v (byte address), simd (bytes covered by the 4-lane loop), dim (bytes).
const Q = 0;
const V = 1;
const SIMD = 2;
const DIM = 3;
// Locals.
const I = 4;
const ACC = 5;
const TAIL = 6;
const D = 7;
const DS = 8;

/**
 * `acc = acc + combine(load(q + i), load(v + i))` for i from its current value while i < limit,
 * stepping by `step` bytes: the 4-lane loop and the scalar tail are this one loop shape.
 */
function accumulateLoop(acc: number, limit: number, step: number, load: number[], combine: number[], add: number[]): number[] {
  const at = (base: number) => [...op.get(base), ...op.get(I), ...op.i32Add];
  return [
    ...op.block,
    ...op.loop,
    ...op.get(I), ...op.get(limit), ...op.i32GeU, ...op.brIf(1),
    ...op.get(acc),
    ...at(Q), ...load,
    ...at(V), ...load,
    ...combine,
    ...add,
    ...op.set(acc),
    ...op.get(I), ...op.i32Const(step), ...op.i32Add, ...op.set(I),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
}

/** One kernel: `lanes` combines a q and a v vector into the lane terms, `scalar` the tail terms. */
function kernelBody(lanes: number[], scalar: number[], finish: number[]): number[] {
  const code = [
    ...accumulateLoop(ACC, SIMD, 16, op.v128Load, lanes, op.f32x4Add),
    ...accumulateLoop(TAIL, DIM, 4, op.f32Load, scalar, op.f32Add),
    // ((a0 + a1) + a2) + a3, then + tail (an empty tail adds +0, which changes no distance).
    ...op.get(ACC), ...op.lane(0),
    ...op.get(ACC), ...op.lane(1), ...op.f32Add,
    ...op.get(ACC), ...op.lane(2), ...op.f32Add,
    ...op.get(ACC), ...op.lane(3), ...op.f32Add,
    ...op.get(TAIL), ...op.f32Add,
    ...finish,
    ...op.end,
  ];
  const locals = vec([
    [1, I32],
    [1, V128],
    [1, F32],
    [1, V128],
    [1, F32],
  ]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/**
 * `out[i] = kernel(q, base + slots[i] · stride)` for i < n: the distances to a node's neighbours in
 * one call, so the search pays one boundary crossing per node instead of one per neighbour.
 * Parameters: q, slots, n, out, simd, dim, base, stride (byte addresses and sizes); locals: i,
 * addr, j (i32) and touch (f32, the loads' sum, unused).
 */
function batchBody(kernel: number): number[] {
  const [BQ, SLOTS, N, OUT, BSIMD, BDIM, BASE, STRIDE, BI, ADDR, J, TOUCH] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const times4 = (x: number) => [...op.get(x), ...op.i32Const(2), ...op.i32Shl];
  // First one load per 64-byte line of every vector in the batch, with no distance math between
  // them: the neighbours' vectors are scattered through memory, and independent loads let the CPU
  // fetch them all at once instead of one miss per vector as the kernel reaches it (hnswlib
  // prefetches for the same reason; WebAssembly has no prefetch). ~10–15% off a query at 1M with
  // only each vector's first line touched (as it was while i32.const's immediate was written
  // unsigned: 64 read back as −64), another ~20% at 100k and 1M with every line.
  const touch = [
    ...op.block,
    ...op.loop,
    ...op.get(BI), ...op.get(N), ...op.i32GeU, ...op.brIf(1),
    ...op.get(BASE), ...op.get(SLOTS), ...times4(BI), ...op.i32Add, ...op.i32Load, ...op.get(STRIDE), ...op.i32Mul, ...op.i32Add, ...op.set(ADDR),
    ...op.i32Const(0), ...op.set(J),
    ...op.block,
    ...op.loop,
    ...op.get(J), ...op.get(BDIM), ...op.i32GeU, ...op.brIf(1),
    ...op.get(TOUCH), ...op.get(ADDR), ...op.get(J), ...op.i32Add, ...op.f32Load, ...op.f32Add, ...op.set(TOUCH),
    ...op.get(J), ...op.i32Const(64), ...op.i32Add, ...op.set(J),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(BI), ...op.i32Const(1), ...op.i32Add, ...op.set(BI),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.i32Const(0), ...op.set(BI),
  ];
  const code = [
    ...touch,
    ...op.block,
    ...op.loop,
    ...op.get(BI), ...op.get(N), ...op.i32GeU, ...op.brIf(1),
    ...op.get(OUT), ...times4(BI), ...op.i32Add,
    ...op.get(BQ),
    ...op.get(BASE), ...op.get(SLOTS), ...times4(BI), ...op.i32Add, ...op.i32Load, ...op.get(STRIDE), ...op.i32Mul, ...op.i32Add,
    ...op.get(BSIMD), ...op.get(BDIM),
    ...op.call(kernel),
    ...op.f32Store,
    ...op.get(BI), ...op.i32Const(1), ...op.i32Add, ...op.set(BI),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  const body = [...vec([[3, I32], [1, F32]]), ...code];
  return [...uleb(body.length), ...body];
}

/**
 * `out[i] = kernel(q, base + (from + i) · stride)` for i < n: distances to consecutive slots, for a
 * walk expected to reach most of the graph (graph-search.ts). In slot order the vectors stream
 * from memory, which the CPU prefetches by itself (so no touch pass): about 40 ns a vector of 128
 * against ~120 ns at scattered slots. (Four vectors at a time, each with its own accumulators,
 * measured slower here: 6.6 against 4.3 ms for 100k vectors.) Parameters as batchBody's, with
 * `from` in place of `slots`; local: i.
 */
function rangeBody(kernel: number): number[] {
  const [RQ, FROM, N, OUT, RSIMD, RDIM, BASE, STRIDE, RI] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const code = [
    ...op.block,
    ...op.loop,
    ...op.get(RI), ...op.get(N), ...op.i32GeU, ...op.brIf(1),
    ...op.get(OUT), ...op.get(RI), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add,
    ...op.get(RQ),
    ...op.get(BASE), ...op.get(FROM), ...op.get(RI), ...op.i32Add, ...op.get(STRIDE), ...op.i32Mul, ...op.i32Add,
    ...op.get(RSIMD), ...op.get(RDIM),
    ...op.call(kernel),
    ...op.f32Store,
    ...op.get(RI), ...op.i32Const(1), ...op.i32Add, ...op.set(RI),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  const body = [...vec([[1, I32]]), ...code];
  return [...uleb(body.length), ...body];
}

/** `shared`: the imported memory is shared (its buffer a SharedArrayBuffer another thread may touch). */
function moduleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  // ip / cosine: 1 − Σ q·v.
  const ip = kernelBody([...op.f32x4Mul], [...op.f32Mul], [...op.set(TAIL), ...op.f32Const1, ...op.get(TAIL), ...op.f32Sub]);
  // l2: Σ (q − v)².
  const l2 = kernelBody(
    [...op.f32x4Sub, ...op.tee(D), ...op.get(D), ...op.f32x4Mul],
    [...op.f32Sub, ...op.tee(DS), ...op.get(DS), ...op.f32Mul],
    [],
  );
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(
      1,
      vec([
        [0x60, ...vec([[I32], [I32], [I32], [I32]]), ...vec([[F32]])],
        [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32], [I32], [I32]]), ...vec([])],
      ]),
    ),
    // Memory limits: 0x00 min (1 page), or 0x03 shared with min and max (a shared memory must have one).
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...(shared ? [0x03, 0x01, ...uleb(MAX_PAGES)] : [0x00, 0x01])]])),
    ...section(3, vec([[0], [0], [1], [1], [1], [1]])),
    ...section(
      7,
      vec([
        [...name('ip'), 0x00, 0x00],
        [...name('l2'), 0x00, 0x01],
        [...name('ipBatch'), 0x00, 0x02],
        [...name('l2Batch'), 0x00, 0x03],
        [...name('ipRange'), 0x00, 0x04],
        [...name('l2Range'), 0x00, 0x05],
      ]),
    ),
    ...section(10, vec([ip, l2, batchBody(0), batchBody(1), rangeBody(0), rangeBody(1)])),
  ];
  return new Uint8Array(bytes);
}

type Kernel = (q: number, v: number, simdBytes: number, dimBytes: number) => number;
/** Also the range kernel's shape, with `from` (the first slot) in place of `slots`. */
type BatchKernel = (q: number, slots: number, n: number, out: number, simdBytes: number, dimBytes: number, base: number, stride: number) => void;

/** The compiled modules: [private memory, shared memory]. */
const compiled: (WebAssembly.Module | null | undefined)[] = [undefined, undefined];

/** The compiled module, or null where WebAssembly SIMD (or shared memory) is unavailable (the JavaScript kernel then serves). */
function simdModule(shared: boolean): WebAssembly.Module | null {
  const at = shared ? 1 : 0;
  if (compiled[at] === undefined) {
    try {
      compiled[at] = process.env.CHROMA_INSPECTOR_NO_SIMD === '1' ? null : new WebAssembly.Module(moduleBytes(shared));
    } catch {
      compiled[at] = null;
    }
  }
  return compiled[at]!;
}

const PAGE = 65_536;
/** The query vector lives at 0 (dim ≤ 16384 floats), a batch's slots and distances in the next page. */
const BATCH_SLOTS_AT = PAGE;
/** How many distances one batch call computes (its slots and results share one page). */
export const BATCH_CAPACITY = PAGE / 8;
const BATCH_OUT_AT = BATCH_SLOTS_AT + BATCH_CAPACITY * 4;
/** Bytes before the vectors. */
const QUERY_BYTES = 2 * PAGE;
/** wasm32 memory: 4 GiB at most. */
const MAX_PAGES = 65_536;

/**
 * Vectors in WebAssembly memory with the fork's kernel beside them. `data()` is a Float32Array
 * over the vectors (slot × dim floats); it is replaced when the arena grows.
 */
export class VectorArena {
  private view: Float32Array;
  private readonly kernel: Kernel;
  private readonly batchKernel: BatchKernel;
  private readonly rangeKernel: BatchKernel;
  private readonly simdBytes: number;
  private readonly dimBytes: number;

  private constructor(
    private readonly memory: WebAssembly.Memory,
    instance: WebAssembly.Instance,
    space: Space,
    private readonly dim: number,
    private slots: number,
  ) {
    this.kernel = (space === 'l2' ? instance.exports.l2 : instance.exports.ip) as Kernel;
    this.batchKernel = (space === 'l2' ? instance.exports.l2Batch : instance.exports.ipBatch) as BatchKernel;
    this.rangeKernel = (space === 'l2' ? instance.exports.l2Range : instance.exports.ipRange) as BatchKernel;
    this.simdBytes = simdSpan(dim) * 4;
    this.dimBytes = dim * 4;
    this.view = new Float32Array(memory.buffer, QUERY_BYTES, slots * dim);
  }

  /**
   * An arena for `slots` vectors, or null when SIMD is unavailable or the size does not fit wasm32.
   * `shared`: in shared memory, so that another thread can take its page faults (prefault.ts).
   */
  static create(space: Space, dim: number, slots: number, shared = false): VectorArena | null {
    const mod = simdModule(shared);
    const pages = pagesFor(dim, slots);
    if (!mod || dim > PAGE / 4 || pages > MAX_PAGES) return null;
    try {
      const memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared });
      const instance = new WebAssembly.Instance(mod, { env: { memory } });
      const arena = new VectorArena(memory, instance, space, dim, slots);
      adviseHugePages(arena.view, { ownMapping: true });
      return arena;
    } catch {
      return null; // no address space for the reservation: the JavaScript path serves
    }
  }

  data(): Float32Array {
    return this.view;
  }

  /** The vectors' bytes in shared memory (null for a private arena), for another thread to touch. */
  sharedVectors(): { buffer: SharedArrayBuffer; byteOffset: number; byteLength: number } | null {
    const buffer = this.memory.buffer;
    if (!(buffer instanceof SharedArrayBuffer)) return null;
    return { buffer, byteOffset: QUERY_BYTES, byteLength: this.slots * this.dimBytes };
  }

  /** Room for `slots` vectors, keeping the ones held; false when wasm32 cannot hold that many. */
  grow(slots: number): boolean {
    const pages = pagesFor(this.dim, slots);
    if (pages > MAX_PAGES) return false;
    const have = this.memory.buffer.byteLength / PAGE;
    try {
      if (pages > have) this.memory.grow(pages - have);
    } catch {
      return false;
    }
    this.slots = slots;
    this.view = new Float32Array(this.memory.buffer, QUERY_BYTES, slots * this.dim);
    adviseHugePages(this.view, { ownMapping: true });
    return true;
  }

  /** Copies the query (index form) where the kernel reads it; call once per search. */
  setQuery(q: Float32Array): void {
    new Float32Array(this.memory.buffer, 0, this.dim).set(q);
  }

  /** The fork's distance from the current query to the vector in `slot`. */
  distance(slot: number): number {
    return this.kernel(0, QUERY_BYTES + slot * this.dimBytes, this.simdBytes, this.dimBytes);
  }

  /**
   * A batch for the current query: fill `slots` (at most BATCH_CAPACITY), `run(n)`, read `out`.
   * The views are this memory's: take a new batch after the arena grows.
   */
  batch(): DistanceBatch {
    const buffer = this.memory.buffer;
    return {
      slots: new Int32Array(buffer, BATCH_SLOTS_AT, BATCH_CAPACITY),
      out: new Float32Array(buffer, BATCH_OUT_AT, BATCH_CAPACITY),
      // More than BATCH_CAPACITY would write past `out`, over the vectors: refused.
      run: (n) => this.batchKernel(0, BATCH_SLOTS_AT, fitsBatch(n), BATCH_OUT_AT, this.simdBytes, this.dimBytes, QUERY_BYTES, this.dimBytes),
      runRange: (from, n) => this.rangeKernel(0, from, fitsBatch(n), BATCH_OUT_AT, this.simdBytes, this.dimBytes, QUERY_BYTES, this.dimBytes),
    };
  }
}

/** Distances from the current query to up to BATCH_CAPACITY slots in one call. */
export interface DistanceBatch {
  slots: Int32Array;
  out: Float32Array;
  run(n: number): void;
  /** `out[i]` = the distance to slot from + i, for i < n (n at most BATCH_CAPACITY). */
  runRange(from: number, n: number): void;
}

function fitsBatch(n: number): number {
  if (n > BATCH_CAPACITY) throw new RangeError(`a distance batch holds at most ${BATCH_CAPACITY}, not ${n}`);
  return n;
}

function pagesFor(dim: number, slots: number): number {
  return Math.ceil((QUERY_BYTES + Math.max(1, slots) * dim * 4) / PAGE);
}
