import { runSteps, type Steps } from '../util/steps.js';
import { freshTyped } from '../util/huge-pages.js';

/**
 * id_to_label as a Map that builds itself only when someone walks or edits it.
 *
 * A million-entry pickle holds a million id strings; making them and a Map of them is most of a
 * cold first query and a large share of its memory, yet that query needs ten ids. So the ids stay
 * byte ranges in the pickle's buffer, looked up through a hash table over those bytes, and only a
 * caller that iterates or edits it turns them into a real Map (once).
 * It is a Map in every respect the engine uses (get, has, size, set, delete, iteration).
 */
/** FNV-1a (32-bit) over an id's UTF-8 bytes: the id table's hash, also used by the pickle decoder. */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

/** Entries entered between two pauses of buildSteps. */
const STEP_MASK = (1 << 14) - 1;
/** Table slots written (their fresh pages faulted in) between two pauses of buildSteps: 1 MB. */
const FAULT_SLOTS_PER_STEP = 1 << 18;

export class PickleIdMap extends Map<string, number> {
  private source: {
    buf: Buffer;
    idStart: Int32Array;
    idEnd: Int32Array;
    labels: Float64Array;
    /** entry index + 1 per hash slot (0 = empty); the slot count is a power of two. */
    slots: Int32Array;
    /** Each entry's idHash: most probes end on a hash mismatch, without comparing bytes. */
    hashes: Int32Array;
  } | null;
  private readonly count: number;

  private constructor(buf: Buffer, idStart: Int32Array, idEnd: Int32Array, labels: Float64Array, slots: Int32Array, hashes: Int32Array) {
    super();
    this.count = labels.length;
    this.source = { buf, idStart, idEnd, labels, slots, hashes };
  }

  /**
   * The map over entries [0, labels.length), or null when two entries hold the same id bytes or
   * an id is not valid UTF-8 (two byte strings could then decode to one id): the general pickle
   * reader decides those cases and names the problem.
   */
  static build(
    buf: Buffer,
    idStart: Int32Array,
    idEnd: Int32Array,
    labels: Float64Array,
    known?: { hashes: Int32Array; nonAscii: boolean },
  ): PickleIdMap | null {
    return runSteps(PickleIdMap.buildSteps(buf, idStart, idEnd, labels, known));
  }

  /** build, as steps that pause every few thousand entries (util/steps.ts). */
  static *buildSteps(
    buf: Buffer,
    idStart: Int32Array,
    idEnd: Int32Array,
    labels: Float64Array,
    /** Each entry's idHash already computed by the decoder, and whether any id byte is ≥ 0x80. */
    known?: { hashes: Int32Array; nonAscii: boolean },
  ): Steps<PickleIdMap | null> {
    const n = labels.length;
    // At most 2/3 full. The table is fresh memory, which a first query pays for page by page
    // (at five million ids, 32 MB rather than the 128 MB a half-full table with slot hashes took).
    let size = 1024;
    while (size < 1.5 * n) size *= 2;
    const slots = freshTyped(Int32Array, size);
    // Fresh memory entered at random would fault its pages in within the first few steps (~40 ms
    // at a million ids on a machine whose fresh pages are slow): written in order first, a
    // bounded share a step.
    for (let at = 0; at < size; at += FAULT_SLOTS_PER_STEP) {
      if (at > 0) yield;
      slots.fill(0, at, Math.min(size, at + FAULT_SLOTS_PER_STEP));
    }
    const hashes = known ? known.hashes : new Int32Array(n);
    const mask = size - 1;
    for (let i = 0; i < n; i++) {
      const a = idStart[i]!;
      const b = idEnd[i]!;
      let h: number;
      if (known) {
        h = known.hashes[i]!;
        if (known.nonAscii) {
          let high = 0;
          for (let k = a; k < b; k++) high |= buf[k]!;
          if (high >= 0x80 && !isValidUtf8(buf, a, b)) return null;
        }
      } else {
        h = FNV_OFFSET;
        let high = 0;
        for (let k = a; k < b; k++) {
          const byte = buf[k]!;
          high |= byte;
          h = Math.imul(h ^ byte, FNV_PRIME);
        }
        if (high >= 0x80 && !isValidUtf8(buf, a, b)) return null;
        hashes[i] = h;
      }
      let s = h & mask;
      for (;;) {
        const e = slots[s]!;
        if (e === 0) break;
        if (hashes[e - 1] === h && sameBytes(buf, idStart[e - 1]!, idEnd[e - 1]!, a, b)) return null;
        s = (s + 1) & mask;
      }
      slots[s] = i + 1;
      if ((i & STEP_MASK) === STEP_MASK) yield;
    }
    return new PickleIdMap(buf, idStart, idEnd, labels, slots, hashes);
  }

  /** The key's UTF-8 bytes, encoded into a reused buffer (a lookup allocates nothing). */
  private static scratch = Buffer.alloc(256);

  /** Whether its entries are still the pickle's bytes (no one has walked or edited it): the entry accessors below work only then. */
  get unbuilt(): boolean {
    return this.source !== null;
  }

  /** Entry e's label (entries are numbered in file order, 0 to size − 1). */
  labelOfEntry(e: number): number {
    return this.source!.labels[e]!;
  }

  /**
   * Entries [from, to) in file order, except those `skip` marks (skip[e] !== 0): each one's id as
   * UTF-8 bytes (valid: build checked) buf[start, end), its entry number and its label.
   */
  forEachEntryBytes(
    skip: Uint8Array | null,
    fn: (buf: Buffer, start: number, end: number, e: number, label: number) => void,
    from = 0,
    to = this.count,
  ): void {
    const { buf, idStart, idEnd, labels } = this.source!;
    for (let e = from; e < to; e++) if (!skip || skip[e] === 0) fn(buf, idStart[e]!, idEnd[e]!, e, labels[e]!);
  }

  idOfEntry(e: number): string {
    const src = this.source!;
    return src.buf.toString('utf8', src.idStart[e]!, src.idEnd[e]!);
  }

  /**
   * The entry holding `id`, or -1. Lookups never build the Map: a pass over a million record ids
   * (a filtered query's first use) costs about what building it would, without its memory.
   */
  entryOf(id: string): number {
    const src = this.source!;
    if (id.length * 3 > PickleIdMap.scratch.length) PickleIdMap.scratch = Buffer.alloc(id.length * 3);
    const key = PickleIdMap.scratch;
    const n = key.write(id, 0, 'utf8');
    let h = FNV_OFFSET;
    for (let k = 0; k < n; k++) h = Math.imul(h ^ key[k]!, FNV_PRIME);
    const mask = src.slots.length - 1;
    const buf = src.buf;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = src.slots[s]!;
      if (e === 0) return -1;
      if (src.hashes[e - 1] !== h) continue;
      const a = src.idStart[e - 1]!;
      if (src.idEnd[e - 1]! - a !== n) continue;
      let k = 0;
      while (k < n && buf[a + k] === key[k]) k++;
      if (k === n) return e - 1;
    }
  }

  private materialize(): void {
    const src = this.source;
    if (!src) return;
    this.source = null;
    for (let i = 0; i < this.count; i++) super.set(src.buf.toString('utf8', src.idStart[i]!, src.idEnd[i]!), src.labels[i]!);
  }

  override get(id: string): number | undefined {
    if (this.source) {
      const e = this.entryOf(id);
      return e >= 0 ? this.source.labels[e] : undefined;
    }
    return super.get(id);
  }

  override has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  override get size(): number {
    return this.source ? this.count : super.size;
  }

  override set(id: string, label: number): this {
    this.materialize();
    return super.set(id, label);
  }

  override delete(id: string): boolean {
    this.materialize();
    return super.delete(id);
  }

  override clear(): void {
    this.source = null;
    super.clear();
  }

  override forEach(fn: (value: number, key: string, map: Map<string, number>) => void, thisArg?: unknown): void {
    this.materialize();
    super.forEach(fn, thisArg);
  }

  override keys(): MapIterator<string> {
    this.materialize();
    return super.keys();
  }

  override values(): MapIterator<number> {
    this.materialize();
    return super.values();
  }

  override entries(): MapIterator<[string, number]> {
    this.materialize();
    return super.entries();
  }

  override [Symbol.iterator](): MapIterator<[string, number]> {
    this.materialize();
    return super[Symbol.iterator]();
  }
}

function sameBytes(buf: Buffer, a0: number, a1: number, b0: number, b1: number): boolean {
  if (a1 - a0 !== b1 - b0) return false;
  for (let k = 0; k < a1 - a0; k++) if (buf[a0 + k] !== buf[b0 + k]) return false;
  return true;
}

/** Whether bytes [a, b) decode as UTF-8 without a replacement character. */
function isValidUtf8(buf: Buffer, a: number, b: number): boolean {
  const text = buf.toString('utf8', a, b);
  return Buffer.byteLength(text, 'utf8') === b - a && !text.includes('\ufffd');
}
