import { runSteps, type Steps } from '../util/steps.js';
import { freshTyped } from '../util/huge-pages.js';
import { inIdleSlices } from '../util/idle-slices.js';
import { collectGarbageAfter } from '../util/collect-garbage.js';

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
/**
 * Entries, and id bytes, compactIdsSteps copies between two pauses (~3–6 ms with the page faults
 * of the new arrays). Few steps matter: at 100,000 short ids it is done in two turns, before a
 * vector load asked right after the first query collects the old buffers (a compaction that ended
 * after the load left them garbage that no later collection took: the bench's peak did not move).
 */
const COMPACT_STEP = 1 << 17;
const COMPACT_STEP_BYTES = 1 << 20;

/**
 * The entries: entry e's id is the UTF-8 bytes buf[idStart[e], idEnd[e]), its label labels[e].
 * One object the map and its label → id reader share, so that compactIdsSteps moves both at once.
 */
export interface IdBytes {
  buf: Buffer;
  idStart: Int32Array;
  idEnd: Int32Array;
  labels: Float64Array;
}

/** native/pickle-pairs.cc idSlots (util/addon-functions.ts). */
export type IdSlots = (buf: Uint8Array, idStart: Int32Array, idEnd: Int32Array, hashes: Int32Array, from: number, to: number, slots: Int32Array) => number;

export class PickleIdMap extends Map<string, number> {
  private source: {
    /** entry index + 1 per hash slot (0 = empty); the slot count is a power of two. */
    slots: Int32Array;
    /** Each entry's idHash: most probes end on a hash mismatch, without comparing bytes. */
    hashes: Int32Array;
  } | null;
  private readonly count: number;

  private constructor(buf: Buffer, idStart: Int32Array, idEnd: Int32Array, labels: Float64Array, slots: Int32Array, hashes: Int32Array) {
    super();
    this.count = labels.length;
    this.bytes = { buf, idStart, idEnd, labels };
    this.source = { slots, hashes };
  }

  /** The entries' bytes and labels, also after the map is built (idReader and labelsReader read them). */
  private readonly bytes: IdBytes;

  /** Entry e's id, from the bytes (compacted or not), whether or not the map was built since. */
  idReader(): (e: number) => string {
    const bytes = this.bytes;
    return (e) => bytes.buf.toString('utf8', bytes.idStart[e]!, bytes.idEnd[e]!);
  }

  /** The entries' labels in file order, as they are now (compactIdsSteps replaces the array). */
  labelsReader(): () => Float64Array {
    const bytes = this.bytes;
    return () => bytes.labels;
  }

  /**
   * Copies the ids' bytes out of the pickle's buffer into one of their own, so that the pickle
   * (its labels, and label_to_id, which repeats every id) can be let go: at 100,000 ids of ~6
   * bytes, 0.6 MB kept instead of 3.2 MB; at a million, ~7 MB instead of 34. The new offsets go
   * to one array (start and end are views of it), and both are swapped in at the last step, so
   * lookups between the steps read the old bytes. The labels and the id hashes move to arrays of
   * their length: the decoder's are sized for total_elements_added in whole huge pages (2 MiB
   * each at 100,000, for 0.8 and 0.4 MB). It runs once; nothing is copied when the ids are most
   * of the buffer already.
   */
  *compactIdsSteps(): Steps<void> {
    // Once: a second caller (the load after a first query) finds it done or under way.
    if (this.compaction !== 'none') return;
    this.compaction = 'running';
    try {
      yield* this.compactingSteps();
    } finally {
      // A step that threw (its fresh arrays not allocated) leaves the map as it was, and a later
      // caller may try again; left "running", no caller would.
      if (this.compaction === 'running') this.compaction = 'none';
    }
  }

  private *compactingSteps(): Steps<void> {
    const bytes = this.bytes;
    const { buf, idStart, idEnd, labels } = bytes;
    const n = idStart.length;
    let total = 0;
    for (let e = 0; e < n; e++) total += idEnd[e]! - idStart[e]!;
    if (total > buf.length * 0.75) {
      this.compaction = 'done';
      return;
    }
    const hashesBefore = this.source?.hashes;
    // Fresh memory, written a step at a time (its page faults too: ~50 ms in one piece for the
    // labels and hashes of a million ids on the bench machine).
    const out = Buffer.allocUnsafeSlow(Math.max(1, total));
    const offsets = new Int32Array(n + 1);
    const newLabels = new Float64Array(n);
    const hashes = hashesBefore ? new Int32Array(n) : null;
    yield;
    let pos = 0;
    let stepEnd = COMPACT_STEP_BYTES;
    for (let e = 0, inStep = 0; e < n; e++) {
      const a = idStart[e]!;
      const b = idEnd[e]!;
      offsets[e] = pos;
      // Short ids (the usual) byte by byte: a loop beats a call per id.
      if (b - a > 24) pos += buf.copy(out, pos, a, b);
      else for (let k = a; k < b; k++) out[pos++] = buf[k]!;
      newLabels[e] = labels[e]!;
      if (hashes) hashes[e] = hashesBefore![e]!;
      if (++inStep === COMPACT_STEP || pos >= stepEnd) {
        yield;
        inStep = 0;
        stepEnd = pos + COMPACT_STEP_BYTES;
      }
    }
    offsets[n] = pos;
    this.droppedBytes = buf.byteLength + idStart.byteLength + idEnd.byteLength + labels.byteLength;
    bytes.buf = out;
    bytes.idStart = offsets.subarray(0, n);
    bytes.idEnd = offsets.subarray(1, n + 1);
    bytes.labels = newLabels;
    // The map built meanwhile (it then has no table to look up) keeps none.
    if (this.source && hashes) this.source.hashes = hashes;
    this.compaction = 'done';
  }

  private compaction: 'none' | 'running' | 'done' = 'none';
  /** What the compaction let go of (the pickle's buffer and the entries' old arrays) until letDroppedGo. */
  private droppedBytes = 0;
  /** The compaction's steps, shared by whoever drives them (compactionSteps). */
  private compactionRun: Steps<void> | null = null;

  /**
   * The compaction's steps (compactIdsSteps), one run shared by every caller that drives it:
   * each next() runs its next step, whoever calls it. The idle slices drive it (compactInIdleSlices),
   * and a background vector load that must not start before it is done (compactedSteps) finishes
   * it at its own pace, instead of waiting for turns that a synchronous caller never gives.
   */
  compactionSteps(): Steps<void> {
    if (this.compactionRun) return this.compactionRun;
    const run = this.compactIdsSteps();
    const shared = (function* (map: PickleIdMap): Steps<void> {
      try {
        yield* run;
      } finally {
        // A step that threw leaves the map as it was (compactIdsSteps): a later caller starts again.
        if (map.compaction !== 'done') map.compactionRun = null;
      }
    })(this);
    this.compactionRun = shared;
    return shared;
  }

  /**
   * Once compacted: the pickle's buffer and the old arrays are garbage, and are collected now
   * (collectGarbageAfter) rather than whenever V8 gets to them, which was after the vector load
   * that follows a first query: its peak held them (~230 MB at 5M × 128).
   */
  letDroppedGo(): void {
    if (this.droppedBytes === 0) return;
    const bytes = this.droppedBytes;
    this.droppedBytes = 0;
    collectGarbageAfter(bytes);
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
    /**
     * Each entry's idHash already computed by the decoder, whether any id byte is ≥ 0x80, and the
     * addon's copy of the insert loop below (native/pickle-pairs.cc idSlots), if it is there.
     */
    known?: { hashes: Int32Array; nonAscii: boolean; idSlots?: IdSlots | null },
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
    if (known?.idSlots && !known.nonAscii) {
      // The same inserts, the largest single part of a first query's decode at a million ids (~40%
      // of it in JavaScript: its random reads and writes wait on memory, ~2× longer here).
      for (let from = 0; from < n; from += STEP_MASK + 1) {
        const to = Math.min(n, from + STEP_MASK + 1);
        // -2: a repeated id; -1: declined or an index out of bounds (the table is half written).
        if (known.idSlots(buf, idStart, idEnd, hashes, from, to, slots) !== to - from) return null;
        if (to < n) yield;
      }
      return new PickleIdMap(buf, idStart, idEnd, labels, slots, hashes);
    }
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
    return this.bytes.labels[e]!;
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
    const { buf, idStart, idEnd, labels } = this.bytes;
    for (let e = from; e < to; e++) if (!skip || skip[e] === 0) fn(buf, idStart[e]!, idEnd[e]!, e, labels[e]!);
  }

  idOfEntry(e: number): string {
    const { buf, idStart, idEnd } = this.bytes;
    return buf.toString('utf8', idStart[e]!, idEnd[e]!);
  }

  /**
   * The entry holding `id`, or -1. Lookups never build the Map: a pass over a million record ids
   * (a filtered query's first use) costs about what building it would, without its memory.
   */
  entryOf(id: string): number {
    // An ASCII id's UTF-8 bytes are its char codes: hashed and compared from the string itself,
    // without writing it into a buffer first (~60 ns an id; five million in a label table).
    let h = FNV_OFFSET;
    const n = id.length;
    for (let k = 0; k < n; k++) {
      const c = id.charCodeAt(k);
      if (c >= 0x80) return this.entryOfUtf8(id);
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    const buf = this.bytes.buf;
    return this.probe(h, n, (a) => {
      let k = 0;
      while (k < n && buf[a + k] === id.charCodeAt(k)) k++;
      return k === n;
    });
  }

  /** entryOf for an id with characters beyond ASCII: its UTF-8 bytes written out, then hashed and compared. */
  private entryOfUtf8(id: string): number {
    if (id.length * 3 > PickleIdMap.scratch.length) PickleIdMap.scratch = Buffer.alloc(id.length * 3);
    const key = PickleIdMap.scratch;
    const n = key.write(id, 0, 'utf8');
    let h = FNV_OFFSET;
    for (let k = 0; k < n; k++) h = Math.imul(h ^ key[k]!, FNV_PRIME);
    const buf = this.bytes.buf;
    return this.probe(h, n, (a) => {
      let k = 0;
      while (k < n && buf[a + k] === key[k]) k++;
      return k === n;
    });
  }

  /** The entry whose id hashes to `h`, is `n` bytes long and `sameAt` its bytes from buf[a], or -1. */
  private probe(h: number, n: number, sameAt: (a: number) => boolean): number {
    const src = this.source!;
    const mask = src.slots.length - 1;
    const { idStart, idEnd } = this.bytes;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = src.slots[s]!;
      if (e === 0) return -1;
      if (src.hashes[e - 1] !== h) continue;
      const a = idStart[e - 1]!;
      if (idEnd[e - 1]! - a === n && sameAt(a)) return e - 1;
    }
  }

  private materialize(): void {
    if (!this.source) return;
    this.source = null;
    const { buf, idStart, idEnd, labels } = this.bytes;
    for (let i = 0; i < this.count; i++) super.set(buf.toString('utf8', idStart[i]!, idEnd[i]!), labels[i]!);
  }

  override get(id: string): number | undefined {
    if (this.source) {
      const e = this.entryOf(id);
      return e >= 0 ? this.bytes.labels[e] : undefined;
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

/**
 * Runs the map's compaction (PickleIdMap.compactIdsSteps) in idle slices of the thread
 * (util/idle-slices.ts: one short step a turn, between whatever else runs), for a map that is
 * kept: a first query's (its checks keep the decoded pickle for the vector load), or a loaded
 * collection's. Started by the first query, it is done before the load that follows makes the
 * process's peak (at 100,000 × 128 the bench's peak went 159 → 154 MB; started by the load
 * instead, the old buffers outlived the load's collections and the peak did not move). No call
 * waits for it: it is deferrable, and waits while a first query answers (calls-ahead.ts
 * queryAhead holds such work back until a turn after the answer). Until its first step the job
 * holds the map weakly.
 */
export function compactInIdleSlices(map: Map<string, number>): void {
  if (!(map instanceof PickleIdMap)) return;
  const ref = new WeakRef(map);
  let steps: Steps<void> | null = null;
  inIdleSlices(() => {
    if (!steps) {
      const alive = ref.deref();
      if (!alive) return true;
      steps = alive.compactionSteps();
    }
    if (steps.next().done !== true) return false;
    ref.deref()?.letDroppedGo();
    return true;
  }, { deferrable: true });
}

/**
 * The map's compaction run to its end here, a step a pause (the run the idle slices drive, shared:
 * PickleIdMap.compactionSteps), then what it let go of collected: for a vector load that should
 * not begin while the decoded pickle still holds its memory. Nothing for another kind of map.
 */
export function* compactedSteps(map: Map<string, number>): Steps<void> {
  if (!(map instanceof PickleIdMap)) return;
  const steps = map.compactionSteps();
  while (steps.next().done !== true) yield;
  map.letDroppedGo();
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
