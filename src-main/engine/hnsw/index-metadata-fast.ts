import { decodeIndexMetadata, type IndexMetadata, type LabelLookup } from './index-metadata.js';
import { readPickle } from './pickle-reader.js';
import { FNV_OFFSET, FNV_PRIME, PickleIdMap } from './pickle-id-map.js';
import { Cursor, GIVE_UP, OP, type Arrive } from './pickle-cursor.js';
import { PERSISTENT_DATA_CLASS } from './index-metadata.js';
import { runSteps, type Steps } from '../util/steps.js';
import { freshTyped, HUGE_PAGE_BYTES, HUGE_PAGE_MIN_BYTES, hugePaged } from '../util/huge-pages.js';
import { addonFunctions, type AddonFunctions } from '../util/addon-functions.js';

/**
 * Reads index_metadata.pickle: a direct decoder for the exact shape Chroma's Rust core writes
 * (a protocol 2–5 dict of None/int fields and three flat dicts, built with MARK … SETITEMS), and
 * the general safe VM plus decodeIndexMetadata for everything else.
 *
 * The direct decoder never reports errors: it gives up (returns null) at the first byte it does
 * not expect — an unknown opcode or field, a bad or duplicate key, a shared label, a label_to_id
 * entry that disagrees with id_to_label, a length running past the end — and the general path
 * then reads the file from the start and raises its specific CORRUPT_PICKLE error. So whenever it
 * succeeds, the general path would have succeeded with the same result. Nothing is executed in
 * either path; this one only knows None, small ints and str.
 */
/**
 * `arrive`: the file is still being read into `buf` by another thread (level0-prescan.ts), and
 * this blocks until the bytes before `upTo` are there (Cursor); the fast decoder then works on
 * the bytes read so far, and the general reader waits for all of them.
 */
export function readIndexMetadata(buf: Buffer, file: string, arrive: Arrive | null = null): IndexMetadata {
  return runSteps(readIndexMetadataSteps(buf, file, arrive));
}

/**
 * readIndexMetadata as steps (util/steps.ts) that pause every few thousand entries: a
 * million-entry pickle is a quarter of a second of decoding. The general path, for shapes the
 * direct decoder does not know, runs in one step.
 */
export function* readIndexMetadataSteps(buf: Buffer, file: string, arrive: Arrive | null = null): Steps<IndexMetadata> {
  const fast = yield* decodeRustSteps(buf, arrive);
  if (fast) return fast;
  // Whatever has arrived (all of it, unless the file was cut short meanwhile).
  const filled = arrive ? arrive(buf.length) : buf.length;
  return decodeIndexMetadata(readPickle(filled < buf.length ? buf.subarray(0, filled) : buf, file), file);
}

/** Label → id over arrays, for labels below a bound proportional to the entry count. */
export class DenseLabelIds implements LabelLookup {
  constructor(
    /** The id of entry i (decoded from the pickle on demand: a query needs a handful of them). */
    private readonly idAt: (entry: number) => string,
    /** The entries' labels in file order (the id map moves them to an array of their own once idle). */
    private readonly labelsNow: () => Float64Array,
    /** entry index + 1 by label (0 = absent). */
    private readonly entryByLabel: Int32Array,
  ) {}

  get size(): number {
    return this.labelsNow().length;
  }

  has(label: number): boolean {
    return label >= 0 && label < this.entryByLabel.length && this.entryByLabel[label]! !== 0;
  }

  get(label: number): string | undefined {
    if (!(label >= 0 && label < this.entryByLabel.length)) return undefined;
    const e = this.entryByLabel[label]!;
    return e === 0 ? undefined : this.idAt(e - 1);
  }

  /** Every label, in file order. */
  labelArray(): Float64Array {
    return this.labelsNow();
  }

  *[Symbol.iterator](): IterableIterator<[number, string]> {
    const labels = this.labelsNow();
    for (let i = 0; i < labels.length; i++) yield [labels[i]!, this.idAt(i)];
  }
}

/** Labels beyond this × entries (or 2^20) make the dense table pointless; the general path takes them. */
const DENSE_FACTOR = 16;

/**
 * Entries decoded between two pauses of the steps: under a millisecond's work once V8 has optimised
 * the decoder, a few ms in a fresh process, which runs it unoptimised at first (16,384 a step made
 * a first query's first steps at a million records 30–60 ms long).
 */
const STEP_BITS = 11;
const STEP_MASK = (1 << STEP_BITS) - 1;

interface Collected {
  /** id_to_label entries in file order: UTF-8 byte ranges of the ids, and labels. */
  n: number;
  idStart: Int32Array;
  idEnd: Int32Array;
  label: Float64Array;
  /** Each id's FNV-1a hash (pickle-id-map.ts idHash), for the id table and the cross-check. */
  hash: Int32Array;
  /** Whether any id has a byte ≥ 0x80 (its UTF-8 must then be checked). */
  nonAscii: boolean;
  /** The highest label (0 when empty). */
  maxLabel: number;
  /** Order-independent digest of the (label, id) pairs, two 32-bit lanes (pairLaneA/B). */
  digestA: number;
  digestB: number;
  /** The same over the ids alone (label 0), to compare id_to_seq_id's keys with. */
  idsA: number;
  idsB: number;
  /**
   * The memo index Python's pickler gave entry 0's id, when every id was memoised in turn (entry
   * i at firstMemo + i), so label_to_id's memo fetches name entries; −1 otherwise.
   */
  firstMemo: number;
}

const FIELDS = new Set(['dimensionality', 'total_elements_added', 'max_seq_id', 'id_to_label', 'label_to_id', 'id_to_seq_id']);

/** The fast decoder (Rust's dict, or Python's PersistentData object); null means "let the general path decide". */
export function decodeRustIndexMetadata(buf: Buffer, arrive: Arrive | null = null): IndexMetadata | null {
  return runSteps(decodeRustSteps(buf, arrive));
}

function* decodeRustSteps(buf: Buffer, arrive: Arrive | null): Steps<IndexMetadata | null> {
  try {
    return yield* decodeRust(new Cursor(buf, arrive));
  } catch (err) {
    if (err === GIVE_UP) return null;
    throw err;
  }
}

function* decodeRust(c: Cursor): Steps<IndexMetadata | null> {
  let op = c.op();
  if (op === OP.PROTO) {
    const proto = c.u8();
    if (proto < 2 || proto > 5) return null;
    op = c.op();
  }
  // Python 0.4–0.6 pickle a PersistentData object: its class, then its state dict, then BUILD.
  let className: string | null = null;
  if (op === OP.SHORT_BINUNICODE || op === OP.BINUNICODE) {
    className = `${c.text(op)}.${c.text(c.op())}`;
    if (className !== PERSISTENT_DATA_CLASS || c.op() !== OP.STACK_GLOBAL || c.op() !== OP.EMPTY_TUPLE || c.op() !== OP.NEWOBJ) return null;
    op = c.op();
  }
  if (op !== OP.EMPTY_DICT) return null;
  const seen = new Set<string>();
  let seqIds = 0;
  const ints = new Map<string, number | null>();
  let idToLabel: Collected | null = null;
  let labelToId: { c: Cursor; start: number } | null = null;
  let labelToIdPresent = false;
  // The top-level dict: MARK key value … SETITEMS groups, then (BUILD for the object) STOP.
  for (;;) {
    op = c.op();
    if (op === OP.STOP && className === null) break;
    if (op === OP.BUILD && className !== null) {
      if (c.op() !== OP.STOP) return null;
      break;
    }
    if (op !== OP.MARK) return null;
    for (;;) {
      op = c.op();
      if (op === OP.SETITEMS) break;
      const key = c.text(op);
      if (!FIELDS.has(key) || seen.has(key)) return null;
      seen.add(key);
      op = c.op();
      if (key === 'id_to_label' || key === 'label_to_id' || key === 'id_to_seq_id') {
        if (op === OP.NONE) {
          if (key === 'id_to_label') return null;
          continue;
        }
        if (op !== OP.EMPTY_DICT) return null;
        if (key === 'id_to_label') idToLabel = yield* collectIdToLabel(c, ints.get('total_elements_added') ?? null);
        else if (key === 'label_to_id') {
          labelToIdPresent = true;
          if (idToLabel !== null) {
            // Rust writes id_to_label first: check label_to_id in the same pass that reads past it.
            if (!(yield* checkLabelToIdAt(c, idToLabel))) return null;
          } else {
            // A dict has no order: checked once id_to_label is known.
            labelToId = { c, start: c.pos };
            yield* skipLabelToId(c);
          }
        } else seqIds = yield* idToSeqIdCount(c, idToLabel);
      } else {
        ints.set(key, op === OP.NONE ? null : c.uint(op));
      }
    }
  }
  if (idToLabel === null) return null;

  const { n, idStart, idEnd, label, maxLabel } = idToLabel;
  if (maxLabel > Math.max(DENSE_FACTOR * n, 1 << 20)) return null;
  const entryByLabel = freshTyped(Int32Array, maxLabel + 1);
  for (let i = 0; i < n; i++) {
    const l = label[i]!;
    if (entryByLabel[l] !== 0) return null; // shared label: the general path names both ids
    entryByLabel[l] = i + 1;
    if ((i & STEP_MASK) === STEP_MASK) yield;
  }
  if (labelToId !== null) {
    const again = c.at(labelToId.start);
    if (!(yield* checkLabelToIdAt(again, idToLabel))) return null;
  }

  const totalRaw = ints.get('total_elements_added') ?? null;
  if (totalRaw !== null && totalRaw < maxLabel) return null;

  const buf = c.buf;
  const labels = label.subarray(0, n);
  // Ids stay bytes in the pickle until asked for. Two byte strings that decode to one str
  // (invalid UTF-8 → U+FFFD), or a repeated id, send the file to the general path.
  const map = yield* PickleIdMap.buildSteps(buf, idStart.subarray(0, n), idEnd.subarray(0, n), labels, {
    hashes: idToLabel.hash,
    nonAscii: idToLabel.nonAscii,
    idSlots: nativePairLoops()?.idSlots,
  });
  if (map === null) return null;
  const idAt = map.idReader();

  return {
    summary: {
      form: className === null ? 'rust-dict' : 'python-class',
      className,
      dimensionality: ints.get('dimensionality') ?? null,
      totalElementsAdded: totalRaw,
      maxSeqId: ints.get('max_seq_id') ?? null,
      idToLabelCount: n,
      labelToIdCount: labelToIdPresent ? n : 0,
      idToSeqIdCount: seqIds,
    },
    idToLabel: map,
    labelToId: new DenseLabelIds(idAt, map.labelsReader(), entryByLabel),
    maxSeqId: ints.get('max_seq_id') ?? null,
    dimensionality: ints.get('dimensionality') ?? null,
    totalElementsAdded: totalRaw ?? maxLabel,
  };
}

/**
 * id_to_seq_id's body (Python 0.4–0.6; Rust writes it empty): ids (str, or memo fetches of
 * id_to_label's strs) to seq ids. Only its size is kept, and a dict's size counts distinct keys:
 * so its keys must digest to exactly id_to_label's ids (distinct, checked by the id table), or it
 * is empty; anything else goes to the general path.
 */
function* idToSeqIdCount(c: Cursor, idToLabel: Collected | null): Steps<number> {
  let count = 0;
  let idsA = 0;
  let idsB = 0;
  // One flat loop, for the same reason as collectIdToLabel (a Python pickle holds an entry per id).
  for (;;) {
    const save = c.pos;
    if (c.op() !== OP.MARK) {
      c.pos = save;
      break;
    }
    for (let op = c.op(); op !== OP.SETITEMS; op = c.op()) {
      const h = idHashAt(c, op, idToLabel);
      c.uint(c.op());
      idsA = (idsA + pairLaneA(h, 0)) | 0;
      idsB = (idsB + pairLaneB(h, 0)) | 0;
      if ((++count & STEP_MASK) === 0) yield;
    }
  }
  if (count > 0 && (!idToLabel || count !== idToLabel.n || idsA !== idToLabel.idsA || idsB !== idToLabel.idsB)) throw GIVE_UP;
  return count;
}

/**
 * id_to_label's body: (MARK (str int)* SETITEMS)*, collected as byte ranges and labels.
 * One flat loop (no callback per pair): it runs once per open, mostly before the JIT has warmed
 * up, and a closure per entry made it ten times slower cold than warm.
 */
function* collectIdToLabel(c: Cursor, expected: number | null): Steps<Collected> {
  const buf = c.buf;
  if (buf.length > 0x7fffffff) throw GIVE_UP; // byte offsets are kept in Int32Array
  // A pair takes at least 4 bytes (2-byte str, 2-byte int), so buf.length / 4 entries is never
  // outgrown. But Chroma's pickles spend ~32 bytes a record (both dicts): tables of that bound
  // are 8× what the entries need (250 MB reserved at a million records), and V8 counts all of it
  // as external memory, which brings its collections forward. So they start at `expected`
  // entries (total_elements_added, which Rust writes before id_to_label: the live ids are at
  // most that many), else at one entry per 16 bytes, and double when full. The OS zero-fills
  // their pages lazily: only touched ones count.
  const bound = (buf.length >> 2) + 1;
  const cap = Math.min(bound, expected !== null && expected >= 0 ? entriesInWholeHugePages(expected + 1) : (buf.length >> 4) + 1024);
  const s: Collecting = {
    ...entryArrays(cap), cap, bound, n: 0, maxLabel: 0, high: 0, digestA: 0, digestB: 0, idsA: 0, idsB: 0, firstMemo: -1,
  };
  const native = nativePairLoops()?.plainIdEntries ?? null;
  for (;;) {
    const save = c.pos;
    if (c.op() !== OP.MARK) {
      c.pos = save;
      break;
    }
    for (;;) {
      if (takePlainEntries(c, s, native)) {
        yield;
        continue;
      }
      const op = c.op();
      if (op === OP.SETITEMS) break;
      takeEntry(c, op, s);
      if ((s.n & STEP_MASK) === 0) yield;
    }
  }
  const { n, idStart, idEnd, label, hash, maxLabel, digestA, digestB, idsA, idsB } = s;
  return { n, idStart, idEnd, label, hash, nonAscii: s.high >= 0x80, maxLabel, digestA, digestB, idsA, idsB, firstMemo: Math.max(s.firstMemo, -1) };
}

/** collectIdToLabel's entries so far, and what it keeps of them. */
interface Collecting {
  n: number;
  cap: number;
  bound: number;
  idStart: Int32Array;
  idEnd: Int32Array;
  label: Float64Array;
  hash: Int32Array;
  maxLabel: number;
  /** Every id byte OR'ed together (≥ 0x80: some id is not ASCII). */
  high: number;
  digestA: number;
  digestB: number;
  idsA: number;
  idsB: number;
  /** Collected.firstMemo, or −2 once the memo indices stop following the entries. */
  firstMemo: number;
}

/** One id_to_label entry whose str opcode `op` was just read, through the cursor (any shape it knows). */
function takeEntry(c: Cursor, op: number, s: Collecting): void {
  const buf = c.buf;
  const a = c.str(op);
  const b = c.pos;
  if (s.n === s.cap) grow(s);
  let h = FNV_OFFSET;
  let high = 0;
  for (let k = a; k < b; k++) {
    const byte = buf[k]!;
    high |= byte;
    h = Math.imul(h ^ byte, FNV_PRIME);
  }
  // The id's memo store, if any, is stepped over while reading the label's opcode.
  const labelOp = c.op();
  const n = s.n;
  if (n === 0) s.firstMemo = c.memoed;
  else if (s.firstMemo >= 0 && c.memoed !== s.firstMemo + n) s.firstMemo = -2;
  const l = c.uint(labelOp);
  s.high |= high;
  s.idStart[n] = a;
  s.idEnd[n] = b;
  s.hash[n] = h;
  s.label[n] = l;
  s.n = n + 1;
  if (l > s.maxLabel) s.maxLabel = l;
  s.digestA = (s.digestA + pairLaneA(h, l)) | 0;
  s.digestB = (s.digestB + pairLaneB(h, l)) | 0;
  s.idsA = (s.idsA + pairLaneA(h, 0)) | 0;
  s.idsB = (s.idsB + pairLaneB(h, 0)) | 0;
}

/**
 * Entries of the shape Chroma's Rust core writes — a BINUNICODE (or SHORT_BINUNICODE) id straight
 * after the previous entry, then a BININT1/BININT2/BININT label, no memo or frame opcode anywhere — read
 * straight from the bytes, up to the next pause of collectIdToLabel's steps. It stops, the cursor
 * before the entry, at anything else (the end of the batch, another shape, bytes not yet there),
 * which takeEntry then reads as the cursor always has: the two agree on every entry this one
 * takes, and through the cursor the decode of a million entries took twice as long.
 * True when it stopped at a pause.
 */
function takePlainEntries(c: Cursor, s: Collecting, native: PlainIdEntries | null): boolean {
  // Labels past Int32 (LONG1, through the cursor) would not survive the addon's Int32 state.
  if (!native || s.maxLabel > 0x7fffffff) return takePlainEntriesHere(c, s, Infinity);
  // The first pair here: where none is plain (Python's pickles memoize every id) the addon is
  // never called, and a call per entry would cost more than this loop's early stop.
  const before = s.n;
  if (takePlainEntriesHere(c, s, 1)) return true;
  if (s.n === before) return false;
  const pauseAt = ((s.n >> STEP_BITS) + 1) << STEP_BITS;
  const st = nativeState;
  st[0] = c.pos;
  st[1] = s.n;
  st[2] = s.maxLabel;
  st[3] = s.high;
  st[4] = s.digestA;
  st[5] = s.digestB;
  st[6] = s.idsA;
  st[7] = s.idsB;
  const taken = native(c.buf, c.filled, s.idStart, s.idEnd, s.hash, s.label, Math.min(s.cap, pauseAt), st);
  if (taken < 0) return takePlainEntriesHere(c, s, Infinity);
  // The entries after the first have no memo store either: firstMemo is already below 0.
  if (taken > 0) {
    c.pos = st[0]!;
    Object.assign(s, { n: st[1]!, maxLabel: st[2]!, high: st[3]!, digestA: st[4]!, digestB: st[5]!, idsA: st[6]!, idsB: st[7]! });
  }
  return s.n === pauseAt;
}

/** takePlainEntries' loop here, for at most `most` entries. */
function takePlainEntriesHere(c: Cursor, s: Collecting, most: number): boolean {
  const buf = c.buf;
  const end = c.filled;
  let p = c.pos;
  let n = s.n;
  const pauseAt = ((n >> STEP_BITS) + 1) << STEP_BITS;
  const last = Math.min(s.cap, n + most);
  const { idStart, idEnd, label, hash } = s;
  let { maxLabel, high, digestA, digestB, idsA, idsB, firstMemo } = s;
  let paused = false;
  while (n < last) {
    if (p + 2 > end) break;
    const idOp = buf[p]!;
    let a: number;
    let b: number;
    if (idOp === OP.BINUNICODE) {
      if (p + 5 > end) break;
      a = p + 5;
      b = a + (buf[p + 1]! | (buf[p + 2]! << 8) | (buf[p + 3]! << 16)) + buf[p + 4]! * 0x1000000;
    } else if (idOp === OP.SHORT_BINUNICODE) {
      a = p + 2;
      b = a + buf[p + 1]!;
    } else break;
    if (b + 2 > end) break;
    const labelOp = buf[b]!;
    let l: number;
    let next: number;
    if (labelOp === OP.BININT1) {
      l = buf[b + 1]!;
      next = b + 2;
    } else if (labelOp === OP.BININT2) {
      if (b + 3 > end) break;
      l = buf[b + 1]! | (buf[b + 2]! << 8);
      next = b + 3;
    } else if (labelOp === OP.BININT) {
      if (b + 5 > end) break;
      l = buf[b + 1]! | (buf[b + 2]! << 8) | (buf[b + 3]! << 16) | (buf[b + 4]! << 24);
      if (l < 0) break;
      next = b + 5;
    } else break;
    let h = FNV_OFFSET;
    for (let k = a; k < b; k++) {
      const byte = buf[k]!;
      high |= byte;
      h = Math.imul(h ^ byte, FNV_PRIME);
    }
    // No memo store here: as the cursor's memoed of −1 would.
    if (n === 0) firstMemo = -1;
    else if (firstMemo >= 0) firstMemo = -2;
    idStart[n] = a;
    idEnd[n] = b;
    hash[n] = h;
    label[n++] = l;
    if (l > maxLabel) maxLabel = l;
    digestA = (digestA + pairLaneA(h, l)) | 0;
    digestB = (digestB + pairLaneB(h, l)) | 0;
    idsA = (idsA + pairLaneA(h, 0)) | 0;
    idsB = (idsB + pairLaneB(h, 0)) | 0;
    p = next;
    if (n === pauseAt) {
      paused = true;
      break;
    }
  }
  c.pos = p;
  Object.assign(s, { n, maxLabel, high, digestA, digestB, idsA, idsB, firstMemo });
  return paused;
}

/** Doubles collectIdToLabel's arrays (up to the bound no pickle of this size can outgrow). */
function grow(s: Collecting): void {
  s.cap = Math.min(s.bound, s.cap * 2);
  const into = entryArrays(s.cap);
  into.idStart.set(s.idStart);
  into.idEnd.set(s.idEnd);
  into.label.set(s.label);
  into.hash.set(s.hash);
  Object.assign(s, into);
}

/** Bytes collectIdToLabel keeps per entry: its label (f64), id start and end, and id hash. */
const ENTRY_BYTES = 20;
/** From this size the entry arrays are whole huge pages (entryArrays); below, an ordinary allocation. */
const ENTRY_ARRAYS_HUGE_FROM = 1024 * 1024;

/** At least `n` entries, rounded up to fill whole huge pages where entryArrays would map them. */
function entriesInWholeHugePages(n: number): number {
  const bytes = n * ENTRY_BYTES;
  if (bytes < ENTRY_ARRAYS_HUGE_FROM || bytes >= HUGE_PAGE_MIN_BYTES) return n;
  return Math.floor((Math.ceil(bytes / HUGE_PAGE_BYTES) * HUGE_PAGE_BYTES) / ENTRY_BYTES);
}

/**
 * The four per-entry arrays of collectIdToLabel in one allocation, in huge pages: at a million
 * ids their 20 MB of fresh memory took ~5,000 page faults of 12–30 µs each on the bench machine,
 * most of the decode. From HUGE_PAGE_MIN_BYTES malloc gives the allocation a mapping of its own,
 * which is advised where it is made (in freshTyped's mappings, five million ids' 200 MB would
 * take most of their budget from the tables after it). From 1 MiB up to that, whole huge pages
 * of freshTyped's: advice cannot reach malloc's heap, and at 100k ids the ~1,000 faults of 4 MB
 * of small pages were ~10 ms. Each array is filled from its start: sized to total_elements_added
 * (collectIdToLabel), all of it; to the guess from the file's length, about half.
 */
function entryArrays(cap: number): { idStart: Int32Array; idEnd: Int32Array; label: Float64Array; hash: Int32Array } {
  const need = cap * ENTRY_BYTES;
  const bytes =
    need >= HUGE_PAGE_MIN_BYTES
      ? hugePaged(new Uint8Array(need)).buffer
      : need >= ENTRY_ARRAYS_HUGE_FROM
        ? freshTyped(Uint8Array, Math.ceil(need / HUGE_PAGE_BYTES) * HUGE_PAGE_BYTES).buffer
        : new ArrayBuffer(need);
  return {
    label: new Float64Array(bytes, 0, cap),
    idStart: new Int32Array(bytes, cap * 8, cap),
    idEnd: new Int32Array(bytes, cap * 12, cap),
    hash: new Int32Array(bytes, cap * 16, cap),
  };
}

/** label_to_id's body, skipped for now (and validated by checkLabelToId). */
function* skipLabelToId(c: Cursor): Steps<void> {
  let count = 0;
  for (;;) {
    const save = c.pos;
    if (c.op() !== OP.MARK) {
      c.pos = save;
      return;
    }
    for (let keyOp = c.op(); keyOp !== OP.SETITEMS; keyOp = c.op()) {
      c.uint(keyOp);
      const op = c.op();
      if (op === OP.BINGET || op === OP.LONG_BINGET) c.memoArg(op);
      else c.str(op);
      if ((++count & STEP_MASK) === 0) yield;
    }
  }
}

/**
 * The idHash of an id value at the cursor (its opcode `op` already read): a str's bytes, or — as
 * Python's pickler writes the id str objects id_to_label already holds — a memo fetch of the
 * id_to_label entry it names. Anything else gives up.
 */
function idHashAt(c: Cursor, op: number, idToLabel: Collected | null): number {
  if (op === OP.BINGET || op === OP.LONG_BINGET) {
    const entry = c.memoArg(op) - (idToLabel?.firstMemo ?? -1);
    if (!idToLabel || idToLabel.firstMemo < 0 || entry < 0 || entry >= idToLabel.n) throw GIVE_UP;
    return idToLabel.hash[entry]!;
  }
  const buf = c.buf;
  const s = c.str(op);
  let h = FNV_OFFSET;
  for (let k = s; k < c.pos; k++) h = Math.imul(h ^ buf[k]!, FNV_PRIME);
  return h;
}

/**
 * Two lanes of a (label, id hash) pair's digest: summed over a dict they give a value that does
 * not depend on the dict's order, so the two dicts Rust writes from its hash maps (each in its own
 * order) can be compared in one sequential pass each, instead of one random lookup per entry.
 */
function pairLaneA(h: number, label: number): number {
  let x = Math.imul(h ^ Math.imul(label | 0, 0x9e3779b1), 0x85ebca6b);
  x ^= x >>> 13;
  return Math.imul(x, 0xc2b2ae35) ^ (x >>> 16);
}

function pairLaneB(h: number, label: number): number {
  let x = Math.imul((h + 0x7f4a7c15) ^ Math.imul((label | 0) + 0x165667b1, 0x27d4eb2f), 0x165667b1);
  x ^= x >>> 15;
  return Math.imul(x, 0x85ebca77) ^ (x >>> 13);
}

/**
 * label_to_id must be exactly the inverse of id_to_label: its keys are id_to_label's labels, each
 * once (two bit sets, small enough to stay in cache), and its pairs digest to the same two 32-bit
 * sums — which two maps that differ anywhere do with a chance of about 2^-64. Reads the dict body
 * at the cursor and leaves the cursor after it.
 */
function* checkLabelToIdAt(c: Cursor, idToLabel: Collected): Steps<boolean> {
  const { n, label, maxLabel } = idToLabel;
  if (maxLabel > Math.max(DENSE_FACTOR * n, 1 << 20)) return false;
  const known = new Uint32Array((maxLabel >>> 5) + 1);
  for (let i = 0; i < n; i++) {
    const l = label[i]!;
    known[l >>> 5]! |= 1 << (l & 31);
  }
  const named = new Uint32Array(known.length);
  const st: Checking = { count: 0, digestA: 0, digestB: 0 };
  const native = nativePairLoops()?.plainLabelPairs ?? null;
  // One flat loop, for the same reason as collectIdToLabel.
  for (;;) {
    const save = c.pos;
    if (c.op() !== OP.MARK) {
      c.pos = save;
      break;
    }
    for (;;) {
      const plain = checkPlainPairs(c, st, known, named, maxLabel, native);
      if (plain === PLAIN_WRONG) return false;
      if (plain === PLAIN_PAUSED) {
        yield;
        continue;
      }
      const op = c.op();
      if (op === OP.SETITEMS) break;
      const l = c.uint(op);
      const valueOp = c.op();
      if (!namedOnce(l, known, named, maxLabel)) return false;
      const h = idHashAt(c, valueOp, idToLabel);
      st.digestA = (st.digestA + pairLaneA(h, l)) | 0;
      st.digestB = (st.digestB + pairLaneB(h, l)) | 0;
      if ((++st.count & STEP_MASK) === 0) yield;
    }
  }
  return st.count === n && st.digestA === idToLabel.digestA && st.digestB === idToLabel.digestB;
}

/** checkLabelToIdAt's pairs so far. */
interface Checking {
  count: number;
  digestA: number;
  digestB: number;
}

/** Whether label `l` is one of id_to_label's (known) and not yet named; marks it named. */
function namedOnce(l: number, known: Uint32Array, named: Uint32Array, maxLabel: number): boolean {
  if (l > maxLabel) return false;
  const word = l >>> 5;
  const bit = 1 << (l & 31);
  if ((known[word]! & bit) === 0 || (named[word]! & bit) !== 0) return false;
  named[word]! |= bit;
  return true;
}

const PLAIN_STOPPED = 0;
const PLAIN_PAUSED = 1;
const PLAIN_WRONG = 2;

/** `off`: the plain-pair loops run here, never in the addon (tests decode both ways). Read at each call. */
export const NATIVE_PICKLE_ENV = 'CHROMA_INSPECTOR_NATIVE_PICKLE';

/**
 * The addon's copies of takePlainEntries' and checkPlainPairs' loops (native/pickle-pairs.cc),
 * or null. They take the same pairs and stop where these do, ~10× faster in a fresh process,
 * where these run mostly unoptimised: ~30 ms of a 100k first query. Either declines (−1)
 * arguments it does not accept, and the loop here runs instead.
 */
function nativePairLoops(): AddonFunctions | null {
  return process.env[NATIVE_PICKLE_ENV] === 'off' ? null : addonFunctions();
}

type PlainIdEntries = NonNullable<AddonFunctions['plainIdEntries']>;
type PlainLabelPairs = NonNullable<AddonFunctions['plainLabelPairs']>;

/** The native loops' state, in and out (one call at a time on a thread). */
const nativeState = new Int32Array(8);

/**
 * label_to_id's pairs in Rust's shape — a BININT1/BININT2/BININT label, then a BINUNICODE (or
 * SHORT_BINUNICODE) id, no memo or frame opcode — straight from the bytes, as takePlainEntries
 * does id_to_label's. PLAIN_STOPPED: the cursor is before a pair of another shape (or at the
 * batch's end), for the cursor's own reading; PLAIN_PAUSED: at a pause of the steps; PLAIN_WRONG:
 * a label that is not id_to_label's, or named twice.
 */
function checkPlainPairs(c: Cursor, st: Checking, known: Uint32Array, named: Uint32Array, maxLabel: number, native: PlainLabelPairs | null): number {
  if (!native || maxLabel > 0x7fffffff) return checkPlainPairsHere(c, st, known, named, maxLabel, Infinity);
  // The first pair here, as takePlainEntries does: no addon call where no pair is plain.
  const before = st.count;
  const first = checkPlainPairsHere(c, st, known, named, maxLabel, 1);
  if (first !== PLAIN_STOPPED || st.count === before) return first;
  const pauseAt = ((st.count >> STEP_BITS) + 1) << STEP_BITS;
  const state = nativeState;
  state[0] = c.pos;
  state[1] = st.count;
  state[2] = st.digestA;
  state[3] = st.digestB;
  const got = native(c.buf, c.filled, known, named, maxLabel, pauseAt, state);
  if (got < 0) return checkPlainPairsHere(c, st, known, named, maxLabel, Infinity);
  c.pos = state[0]!;
  st.count = state[1]!;
  st.digestA = state[2]!;
  st.digestB = state[3]!;
  return got === 2 ? PLAIN_WRONG : st.count === pauseAt ? PLAIN_PAUSED : PLAIN_STOPPED;
}

/** checkPlainPairs' loop here, for at most `most` pairs (PLAIN_STOPPED once they are taken). */
function checkPlainPairsHere(c: Cursor, st: Checking, known: Uint32Array, named: Uint32Array, maxLabel: number, most: number): number {
  const buf = c.buf;
  const end = c.filled;
  let p = c.pos;
  let { count, digestA, digestB } = st;
  const pauseAt = ((count >> STEP_BITS) + 1) << STEP_BITS;
  const last = count + most;
  let result = PLAIN_STOPPED;
  while (count < last) {
    if (p + 2 > end) break;
    const labelOp = buf[p]!;
    let l: number;
    let q: number;
    if (labelOp === OP.BININT1) {
      l = buf[p + 1]!;
      q = p + 2;
    } else if (labelOp === OP.BININT2) {
      if (p + 3 > end) break;
      l = buf[p + 1]! | (buf[p + 2]! << 8);
      q = p + 3;
    } else if (labelOp === OP.BININT) {
      if (p + 5 > end) break;
      l = buf[p + 1]! | (buf[p + 2]! << 8) | (buf[p + 3]! << 16) | (buf[p + 4]! << 24);
      if (l < 0) break;
      q = p + 5;
    } else break;
    if (q + 2 > end) break;
    const idOp = buf[q]!;
    let a: number;
    if (idOp === OP.BINUNICODE) {
      if (q + 5 > end) break;
      a = q + 5;
    } else if (idOp === OP.SHORT_BINUNICODE) a = q + 2;
    else break;
    const b = a + (idOp === OP.SHORT_BINUNICODE ? buf[q + 1]! : (buf[q + 1]! | (buf[q + 2]! << 8) | (buf[q + 3]! << 16)) + buf[q + 4]! * 0x1000000);
    if (b > end) break;
    if (!namedOnce(l, known, named, maxLabel)) {
      result = PLAIN_WRONG;
      break;
    }
    let h = FNV_OFFSET;
    for (let k = a; k < b; k++) h = Math.imul(h ^ buf[k]!, FNV_PRIME);
    digestA = (digestA + pairLaneA(h, l)) | 0;
    digestB = (digestB + pairLaneB(h, l)) | 0;
    p = b;
    if (++count === pauseAt) {
      result = PLAIN_PAUSED;
      break;
    }
  }
  c.pos = p;
  st.count = count;
  st.digestA = digestA;
  st.digestB = digestB;
  return result;
}
