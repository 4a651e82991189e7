import type { Space } from '../../../shared/models.js';
import { forkDistance, rankedDistance, type ForkDistance } from './fork-distance.js';
import type { SearchHit } from './vector-index.js';
import { VectorArena, type DistanceBatch } from './simd-kernel.js';
import { chunkViews } from './level0-scan.js';
import type { PrefaultRegion } from '../util/prefault.js';
import { HOST_IS_LITTLE_ENDIAN } from '../util/host-endianness.js';
import type { Steps } from '../util/steps.js';
import { hugePaged } from '../util/huge-pages.js';

/** Slots per step of filledSteps (a few ms each). */
const SLOTS_PER_STEP = 200_000;

const INITIAL_CAPACITY = 1024;
/** Labels below max(this, factor × slots) index a typed table; larger ones go to a Map. */
const DENSE_LABEL_MIN = 1 << 20;
const DENSE_LABEL_FACTOR = 16;
const bytesOf = (data: Float32Array) => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/**
 * A collection's vectors in one contiguous Float32Array, as the index stores them (unit vectors
 * for cosine, with each original norm kept beside it). Exact k-nearest search is a tight loop over
 * it: fast enough for every collection Chroma's own index would search exhaustively, and the
 * backing store for filtered queries and embedding reads on large ones.
 */
export class VectorSlab {
  private data: Float32Array;
  /** The same memory as `data`, as bytes, for copying file buffers in. */
  private bytes: Uint8Array;
  private norms: Float32Array | null;
  /** label of each slot; -1 when the slot is free. */
  private slotLabel: Float64Array;
  /** slot + 1 of each label (0 = absent); labels are small dense integers in Chroma. */
  private slotByLabel = new Int32Array(1024);
  /**
   * Slots of labels too large for the table: a damaged file can hold any u64 label, and sizing
   * the table by it would allocate gigabytes (or fail with "Invalid typed array length").
   */
  private readonly sparse = new Map<number, number>();
  private live = 0;
  private distance: ForkDistance | undefined;
  /** The vectors' home when WebAssembly SIMD is available: `data` is a view into it. */
  private arena: VectorArena | null;
  private readonly free: number[] = [];
  private used = 0;

  constructor(
    readonly space: Space,
    readonly dim: number,
    capacity = INITIAL_CAPACITY,
    /**
     * `shared`: the vectors in shared memory, so that a helper thread can map their pages ahead of
     * the load (prefault.ts); `arena`: one made for `capacity` vectors ahead of time (prepared-load.ts).
     */
    memory: { shared?: boolean; arena?: VectorArena | null; slotLabels?: Float64Array } = {},
  ) {
    const cap = Math.max(1, capacity);
    // Shared memory is an optimisation: without it, a private arena still has the SIMD kernel.
    this.arena = memory.arena ?? VectorArena.create(space, dim, cap, memory.shared === true) ?? (memory.shared ? VectorArena.create(space, dim, cap) : null);
    this.data = this.arena ? this.arena.data() : hugePaged(new Float32Array(cap * dim));
    this.bytes = bytesOf(this.data);
    this.norms = space === 'cosine' ? new Float32Array(cap) : null;
    // The caller's labels (filledSteps) are taken as they are: a copy would be a second array of
    // 8 bytes a slot while the load makes the process's peak (40 MB at 5M), and its page faults.
    this.slotLabel = memory.slotLabels ?? hugePaged(new Float64Array(cap)).fill(-1);
  }

  /**
   * A slab over an arena already holding `labels.length` vectors, slot i being labels[i]'s (a
   * background load, prepared-load.ts), with their cosine norms; as steps (util/steps.ts), a
   * pause every SLOTS_PER_STEP slots. The slab takes `labels` as its own: the caller no longer
   * writes it.
   */
  static *filledSteps(space: Space, dim: number, arena: VectorArena, labels: Float64Array, norms: Float32Array | null): Steps<VectorSlab> {
    const slab = new VectorSlab(space, dim, labels.length, { arena, slotLabels: labels });
    // The label table at its final size at once, rather than doubled (and copied) up to it.
    let maxLabel = -1;
    for (let slot = 0; slot < labels.length; slot++) maxLabel = Math.max(maxLabel, labels[slot]!);
    if (maxLabel >= slab.slotByLabel.length && slab.fitsTable(maxLabel)) slab.slotByLabel = new Int32Array(maxLabel + 1);
    yield;
    for (let slot = 0; slot < labels.length; slot++) {
      slab.setSlot(labels[slot]!, slot);
      if (slot % SLOTS_PER_STEP === SLOTS_PER_STEP - 1) yield;
    }
    slab.used = labels.length;
    slab.live = labels.length;
    if (slab.norms && norms) slab.norms = norms;
    return slab;
  }

  get size(): number {
    return this.live;
  }

  /** The vectors' memory when it is shared (constructed with `shared` and SIMD available), else null. */
  sharedVectors(): PrefaultRegion | null {
    return this.arena?.sharedVectors() ?? null;
  }

  has(label: number): boolean {
    return this.slotOfLabel(label) !== undefined;
  }

  /** The slot holding a label's vector (see `storage`), or undefined when the label is not live. */
  slotOf(label: number): number | undefined {
    return this.slotOfLabel(label);
  }

  /**
   * The backing array (dim floats per slot), for searches that index it by slot without copying.
   * Replaced when the slab grows, so read it again after any put.
   */
  storage(): Float32Array {
    return this.data;
  }

  private slotOfLabel(label: number): number | undefined {
    if (label < this.slotByLabel.length) {
      const s = this.slotByLabel[label]!;
      if (s !== 0) return s - 1;
    }
    // The table may have grown past a label stored in the Map before: look there too.
    return this.sparse.size === 0 ? undefined : this.sparse.get(label);
  }

  /** The table grows to a label only while that stays proportionate to the slots in use. */
  private fitsTable(label: number): boolean {
    return label < this.slotByLabel.length || label < Math.max(DENSE_LABEL_MIN, DENSE_LABEL_FACTOR * this.slotLabel.length);
  }

  private setSlot(label: number, slot: number) {
    if (!this.fitsTable(label)) {
      this.sparse.set(label, slot);
      return;
    }
    if (label >= this.slotByLabel.length) {
      const next = new Int32Array(Math.max(label + 1, this.slotByLabel.length * 2));
      next.set(this.slotByLabel);
      this.slotByLabel = next;
    }
    this.slotByLabel[label] = slot + 1;
  }

  private claim(label: number): number {
    let slot = this.slotOfLabel(label);
    if (slot === undefined) {
      slot = this.free.pop() ?? this.used++;
      if (slot >= this.slotLabel.length) this.grow();
      this.setSlot(label, slot);
      this.slotLabel[slot] = label;
      this.live++;
    }
    return slot;
  }

  private grow() {
    // An adopted label array (filledSteps) can be empty: doubling would keep it so.
    const cap = Math.max(1, this.slotLabel.length * 2);
    if (this.arena?.grow(cap)) {
      this.data = this.arena.data(); // the memory grew in place: nothing to copy
    } else {
      // No arena, or wasm32 cannot hold this many: an ordinary array (the JavaScript kernel) from here on.
      this.arena = null;
      const data = hugePaged(new Float32Array(cap * this.dim));
      data.set(this.data.subarray(0, Math.min(this.data.length, data.length)));
      this.data = data;
    }
    this.bytes = bytesOf(this.data);
    if (this.norms) {
      const norms = new Float32Array(cap);
      norms.set(this.norms);
      this.norms = norms;
    }
    const labels = hugePaged(new Float64Array(cap)).fill(-1);
    labels.set(this.slotLabel);
    this.slotLabel = labels;
  }

  /** Adds or replaces a label's stored vector (and its original norm, for cosine). */
  put(label: number, stored: Float32Array, norm: number | null): void {
    const slot = this.claim(label);
    this.data.set(stored.subarray(0, this.dim), slot * this.dim);
    if (this.norms) this.norms[slot] = norm ?? 1;
  }

  /**
   * Adds a label's stored vector straight from a file buffer (little-endian float32), with no
   * intermediate copy: loading a million-vector checkpoint is then one native copy per vector.
   */
  putFromBuffer(label: number, buf: Buffer, byteOffset: number, norm: number | null): void {
    const slot = this.claim(label);
    const base = slot * this.dim;
    const floats = byteOffset % 4 === 0 ? chunkViews(buf)?.floats : undefined;
    if (floats) {
      // Through a view of the (reused) chunk: Buffer.copy's per-call cost is most of the load
      // at a million vectors.
      const from = byteOffset >> 2;
      this.data.set(floats.subarray(from, from + this.dim), base);
    } else if (HOST_IS_LITTLE_ENDIAN) {
      buf.copy(this.bytes, base * 4, byteOffset, byteOffset + this.dim * 4);
    } else {
      for (let i = 0; i < this.dim; i++) this.data[base + i] = buf.readFloatLE(byteOffset + i * 4);
    }
    if (this.norms) this.norms[slot] = norm ?? 1;
  }

  delete(label: number): void {
    const slot = this.slotOfLabel(label);
    if (slot === undefined) return;
    if (label < this.slotByLabel.length && this.slotByLabel[label] !== 0) this.slotByLabel[label] = 0;
    else this.sparse.delete(label);
    this.slotLabel[slot] = -1;
    this.free.push(slot);
    this.live--;
  }

  stored(label: number): Float32Array | undefined {
    const slot = this.slotOfLabel(label);
    return slot === undefined ? undefined : this.data.slice(slot * this.dim, (slot + 1) * this.dim);
  }

  /** A cosine label's original norm (length.bin's value); null for other spaces or a label not live. */
  norm(label: number): number | null {
    const slot = this.slotOfLabel(label);
    return slot === undefined || !this.norms ? null : this.norms[slot]!;
  }

  /** The vector as Chroma's get returns it: for cosine the stored unit vector × norm, rounded to float32. */
  original(label: number): Float32Array | undefined {
    const slot = this.slotOfLabel(label);
    if (slot === undefined) return undefined;
    const out = this.data.slice(slot * this.dim, (slot + 1) * this.dim);
    if (this.norms) {
      const n = this.norms[slot]!;
      for (let i = 0; i < out.length; i++) out[i] = Math.fround(out[i]! * n);
    }
    return out;
  }

  /**
   * The live labels in ascending order: the order the records were added in. Slot order is not:
   * a loaded slab follows the checkpoint's internal ids, which a build with several insert threads
   * assigns in no fixed order, and a freed slot is reused by the next label put. Outputs that list
   * or sample vectors (maps, the recall lab, the vector flags) go by this, so that two folders
   * holding the same records give the same answer.
   */
  *labelsAscending(): IterableIterator<number> {
    // Labels the table was too small for when they came stay in `sparse`, even once it has grown.
    const sparse = this.sparse.size === 0 ? [] : [...this.sparse.keys()].sort((a, b) => a - b);
    const table = this.slotByLabel;
    let s = 0;
    for (let label = 0; label < table.length; label++) {
      if (table[label] === 0) continue;
      while (s < sparse.length && sparse[s]! < label) yield sparse[s++]!;
      yield label;
    }
    while (s < sparse.length) yield sparse[s++]!;
  }

  /** Every live (label, stored vector) pair, in slot order, for building an index. */
  *entries(): IterableIterator<[number, Float32Array]> {
    for (let slot = 0; slot < this.used; slot++) {
      const label = this.slotLabel[slot]!;
      if (label >= 0) yield [label, this.data.subarray(slot * this.dim, (slot + 1) * this.dim)];
    }
  }

  /**
   * The fork's distance from `query` (index form) to a slot's vector, for one search: through the
   * SIMD kernel when the vectors live in its memory (the query is copied there now, so only the
   * latest call's function is valid), else the JavaScript kernel. Same float32 results either way.
   */
  queryDistance(query: Float32Array): (slot: number) => number {
    const arena = this.arena;
    if (arena) {
      arena.setQuery(query);
      return (slot) => arena.distance(slot);
    }
    const distance = (this.distance ??= forkDistance(this.space, this.dim));
    const data = this.data;
    const dim = this.dim;
    return (slot) => distance(query, data, slot * dim);
  }

  /**
   * Like queryDistance, for many slots per call: null without the SIMD arena. The batch's views
   * are valid until the slab next grows (a search never adds vectors).
   */
  queryBatch(query: Float32Array): DistanceBatch | null {
    if (!this.arena) return null;
    this.arena.setQuery(query);
    return this.arena.batch();
  }

  /**
   * Exact top-k. `query` must already be in index form (normalised for cosine). Distances are
   * the fork's float32 arithmetic (fork-distance.ts), ascending, ties by label, as Chroma reports.
   */
  search(query: Float32Array, k: number, allowed: ReadonlySet<number> | null): SearchHit[] {
    const heap = new TopK(Math.min(k, allowed ? allowed.size : this.size));
    if (heap.capacity === 0) return [];
    this.eachRanked(query, allowed, (distance, label) => heap.offer(distance, label));
    return heap.sorted();
  }

  /**
   * Where exact search puts one label: its distance and 1-based rank by (distance, label) among
   * the allowed vectors, and how many of them rank at all. Null when the label has no rankable
   * vector. `query` in index form, as for search.
   */
  rankOf(query: Float32Array, label: number, allowed: ReadonlySet<number> | null): { distance: number; rank: number; candidates: number } | null {
    const slot = this.slotOfLabel(label);
    if (slot === undefined || (allowed && !allowed.has(label))) return null;
    const target = rankedDistance(this.queryDistance(query)(slot), this.data, slot * this.dim, this.dim);
    if (target === null) return null;
    let before = 0;
    let candidates = 0;
    this.eachRanked(query, allowed, (d, l) => {
      candidates++;
      if (d < target || (d === target && l < label)) before++;
    });
    return { distance: target, rank: before + 1, candidates };
  }

  /** Every allowed live vector's ranked distance (non-finite ones never rank). */
  private eachRanked(query: Float32Array, allowed: ReadonlySet<number> | null, visit: (distance: number, label: number) => void): void {
    const dim = this.dim;
    const data = this.data;
    const distance = this.queryDistance(query);
    const scan = (slot: number, label: number) => {
      const ranked = rankedDistance(distance(slot), data, slot * dim, dim);
      if (ranked !== null) visit(ranked, label);
    };
    if (allowed && allowed.size < this.size) {
      for (const label of allowed) {
        const slot = this.slotOfLabel(label);
        if (slot !== undefined) scan(slot, label);
      }
    } else {
      const labels = this.slotLabel;
      for (let slot = 0; slot < this.used; slot++) {
        const label = labels[slot]!;
        if (label < 0 || (allowed && !allowed.has(label))) continue;
        scan(slot, label);
      }
    }
  }
}

/** A bounded max-heap on (distance, label): keeps the k smallest. */
class TopK {
  private readonly dist: Float64Array;
  private readonly lab: Float64Array;
  private n = 0;
  constructor(readonly capacity: number) {
    this.dist = new Float64Array(Math.max(capacity, 0));
    this.lab = new Float64Array(Math.max(capacity, 0));
  }

  private worse(i: number, j: number): boolean {
    return this.dist[i]! > this.dist[j]! || (this.dist[i] === this.dist[j] && this.lab[i]! > this.lab[j]!);
  }

  private swap(i: number, j: number) {
    const d = this.dist[i]!;
    const l = this.lab[i]!;
    this.dist[i] = this.dist[j]!;
    this.lab[i] = this.lab[j]!;
    this.dist[j] = d;
    this.lab[j] = l;
  }

  offer(distance: number, label: number): void {
    if (this.n < this.capacity) {
      let i = this.n++;
      this.dist[i] = distance;
      this.lab[i] = label;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.worse(i, p)) break;
        this.swap(i, p);
        i = p;
      }
      return;
    }
    if (distance > this.dist[0]! || (distance === this.dist[0] && label > this.lab[0]!)) return;
    this.dist[0] = distance;
    this.lab[0] = label;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.n && this.worse(l, m)) m = l;
      if (r < this.n && this.worse(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }

  sorted(): SearchHit[] {
    const out: SearchHit[] = [];
    for (let i = 0; i < this.n; i++) out.push({ label: this.lab[i]!, distance: this.dist[i]! });
    return out.sort((a, b) => a.distance - b.distance || a.label - b.label);
  }
}
