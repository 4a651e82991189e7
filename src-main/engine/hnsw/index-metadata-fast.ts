import { decodeIndexMetadata, type IndexMetadata, type LabelLookup } from './index-metadata.js';
import { readPickle } from './pickle-reader.js';
import { FNV_OFFSET, FNV_PRIME, PickleIdMap } from './pickle-id-map.js';
import { Cursor, GIVE_UP, OP, type Arrive } from './pickle-cursor.js';
import { PERSISTENT_DATA_CLASS } from './index-metadata.js';
import { runSteps, type Steps } from '../util/steps.js';
import { hugePaged } from '../util/huge-pages.js';

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
    private readonly labels: Float64Array,
    /** entry index + 1 by label (0 = absent). */
    private readonly entryByLabel: Int32Array,
  ) {}

  get size(): number {
    return this.labels.length;
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
    return this.labels;
  }

  *[Symbol.iterator](): IterableIterator<[number, string]> {
    for (let i = 0; i < this.labels.length; i++) yield [this.labels[i]!, this.idAt(i)];
  }
}

/** Labels beyond this × entries (or 2^20) make the dense table pointless; the general path takes them. */
const DENSE_FACTOR = 16;

/**
 * Entries decoded between two pauses of the steps: under a millisecond's work once V8 has optimised
 * the decoder, a few ms in a fresh process, which runs it unoptimised at first (16,384 a step made
 * a first query's first steps at a million records 30–60 ms long).
 */
const STEP_MASK = (1 << 11) - 1;

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
        if (key === 'id_to_label') idToLabel = yield* collectIdToLabel(c);
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
  const entryByLabel = new Int32Array(maxLabel + 1);
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
  const map = yield* PickleIdMap.buildSteps(buf, idStart.subarray(0, n), idEnd.subarray(0, n), labels, { hashes: idToLabel.hash, nonAscii: idToLabel.nonAscii });
  if (map === null) return null;
  const idAt = (i: number) => buf.toString('utf8', idStart[i]!, idEnd[i]!);

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
    labelToId: new DenseLabelIds(idAt, labels, entryByLabel),
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
function* collectIdToLabel(c: Cursor): Steps<Collected> {
  const buf = c.buf;
  if (buf.length > 0x7fffffff) throw GIVE_UP; // byte offsets are kept in Int32Array
  // A pair takes at least 4 bytes (2-byte str, 2-byte int), so buf.length / 4 entries is never
  // outgrown. But Chroma's pickles spend ~32 bytes a record (both dicts): tables of that bound
  // are 8× what the entries need (250 MB reserved at a million records), and V8 counts all of it
  // as external memory, which brings its collections forward. So they start at one entry per 16
  // bytes and double when full. The OS zero-fills their pages lazily: only touched ones count.
  const bound = (buf.length >> 2) + 1;
  let cap = Math.min(bound, (buf.length >> 4) + 1024);
  let { idStart, idEnd, label, hash } = entryArrays(cap);
  let n = 0;
  let maxLabel = 0;
  let high = 0;
  let digestA = 0;
  let digestB = 0;
  let idsA = 0;
  let idsB = 0;
  let firstMemo = -1;
  for (;;) {
    const save = c.pos;
    if (c.op() !== OP.MARK) {
      c.pos = save;
      break;
    }
    for (let op = c.op(); op !== OP.SETITEMS; op = c.op()) {
      const a = c.str(op);
      const b = c.pos;
      if (n === cap) {
        cap = Math.min(bound, cap * 2);
        const into = entryArrays(cap);
        into.idStart.set(idStart);
        into.idEnd.set(idEnd);
        into.label.set(label);
        into.hash.set(hash);
        ({ idStart, idEnd, label, hash } = into);
      }
      idStart[n] = a;
      idEnd[n] = b;
      let h = FNV_OFFSET;
      for (let k = a; k < b; k++) {
        const byte = buf[k]!;
        high |= byte;
        h = Math.imul(h ^ byte, FNV_PRIME);
      }
      // The id's memo store, if any, is stepped over while reading the label's opcode.
      const labelOp = c.op();
      if (n === 0) firstMemo = c.memoed;
      else if (firstMemo >= 0 && c.memoed !== firstMemo + n) firstMemo = -2;
      const l = c.uint(labelOp);
      hash[n] = h;
      label[n++] = l;
      if (l > maxLabel) maxLabel = l;
      digestA = (digestA + pairLaneA(h, l)) | 0;
      digestB = (digestB + pairLaneB(h, l)) | 0;
      idsA = (idsA + pairLaneA(h, 0)) | 0;
      idsB = (idsB + pairLaneB(h, 0)) | 0;
      if ((n & STEP_MASK) === 0) yield;
    }
  }
  return { n, idStart, idEnd, label, hash, nonAscii: high >= 0x80, maxLabel, digestA, digestB, idsA, idsB, firstMemo: Math.max(firstMemo, -1) };
}

/**
 * The four per-entry arrays of collectIdToLabel in one allocation, advised for huge pages before
 * they are written: apart, each stays under the size from which malloc gives a mapping of its own
 * (util/huge-pages.ts), and at a million ids their 20 MB of fresh memory took ~5,000 page faults
 * of 12–30 µs each on the bench machine, most of the decode.
 */
function entryArrays(cap: number): { idStart: Int32Array; idEnd: Int32Array; label: Float64Array; hash: Int32Array } {
  const bytes = hugePaged(new Uint8Array(cap * 20)).buffer;
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
  let count = 0;
  let digestA = 0;
  let digestB = 0;
  // One flat loop, for the same reason as collectIdToLabel.
  for (;;) {
    const save = c.pos;
    if (c.op() !== OP.MARK) {
      c.pos = save;
      break;
    }
    for (let op = c.op(); op !== OP.SETITEMS; op = c.op()) {
      const l = c.uint(op);
      const valueOp = c.op();
      if (l > maxLabel) return false;
      const word = l >>> 5;
      const bit = 1 << (l & 31);
      if ((known[word]! & bit) === 0 || (named[word]! & bit) !== 0) return false;
      named[word]! |= bit;
      const h = idHashAt(c, valueOp, idToLabel);
      digestA = (digestA + pairLaneA(h, l)) | 0;
      digestB = (digestB + pairLaneB(h, l)) | 0;
      if ((++count & STEP_MASK) === 0) yield;
    }
  }
  return count === n && digestA === idToLabel.digestA && digestB === idToLabel.digestB;
}
