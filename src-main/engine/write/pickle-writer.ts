import { PERSISTENT_DATA_CLASS } from '../hnsw/index-metadata.js';
import { EditedIdMap } from '../hnsw/edited-id-map.js';
import { runSteps, runStepsSliced, type Steps } from '../util/steps.js';

/**
 * Writes `index_metadata.pickle` in the Python class form (docs/format.md §6.7 writer): a
 * `PersistentData` instance (protocol 4: STACK_GLOBAL, NEWOBJ, BUILD) with the real
 * dimensionality and max_seq_id. Python 0.4–0.6 loads it, and Rust core reads it too (serde-pickle
 * treats the class as a placeholder and keeps the BUILD state).
 */
export interface PersistentDataFields {
  dimensionality: number;
  totalElementsAdded: number;
  maxSeqId: number;
  idToLabel: ReadonlyMap<string, number>;
  /** Python keeps it current; Rust requires the field (u32 values) but never reads it. */
  idToSeqId: ReadonlyMap<string, number>;
}

const OP = {
  PROTO: 0x80,
  STOP: 0x2e, // .
  MARK: 0x28, // (
  EMPTY_DICT: 0x7d, // }
  EMPTY_TUPLE: 0x29, // )
  SETITEMS: 0x75, // u
  BUILD: 0x62, // b
  NEWOBJ: 0x81,
  STACK_GLOBAL: 0x93,
  NONE: 0x4e, // N
  BININT: 0x4a, // J
  BININT1: 0x4b, // K
  BININT2: 0x4d, // M
  LONG1: 0x8a,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE: 0x58, // X
  BINUNICODE8: 0x8d,
} as const;

/** Pickle's SETITEMS batch size, as CPython writes it. */
const BATCH = 1000;

class PickleBuffer {
  private readonly chunks: Buffer[] = [];
  private current = Buffer.allocUnsafe(64 * 1024);
  private pos = 0;

  private ensure(n: number) {
    if (this.pos + n <= this.current.length) return;
    this.chunks.push(this.current.subarray(0, this.pos));
    this.current = Buffer.allocUnsafe(Math.max(64 * 1024, n));
    this.pos = 0;
  }

  byte(b: number) {
    this.ensure(1);
    this.current[this.pos++] = b;
  }

  bytes(buf: Buffer) {
    this.ensure(buf.length);
    buf.copy(this.current, this.pos);
    this.pos += buf.length;
  }

  str(s: string) {
    // Up to 3 UTF-8 bytes per UTF-16 unit: a string this short fits SHORT_BINUNICODE whatever it
    // holds, and is encoded straight into the buffer (ids are short; this runs once per id).
    if (s.length <= 85) {
      this.ensure(2 + 3 * s.length);
      const n = this.current.write(s, this.pos + 2, 'utf8');
      this.current[this.pos] = OP.SHORT_BINUNICODE;
      this.current[this.pos + 1] = n;
      this.pos += 2 + n;
      return;
    }
    this.utf8Str(Buffer.from(s, 'utf8'));
  }

  int(n: number) {
    if (!Number.isSafeInteger(n)) throw new Error(`pickle writer: ${n} is not an exact integer`);
    if (n >= 0 && n < 256) {
      this.byte(OP.BININT1);
      this.byte(n);
    } else if (n >= 0 && n < 65536) {
      this.byte(OP.BININT2);
      this.byte(n & 0xff);
      this.byte(n >> 8);
    } else if (n >= -(2 ** 31) && n < 2 ** 31) {
      // Byte by byte: a million labels per pickle, and writeInt32LE's checks cost more than this.
      this.ensure(5);
      const out = this.current;
      const at = this.pos;
      out[at] = OP.BININT;
      out[at + 1] = n & 0xff;
      out[at + 2] = (n >> 8) & 0xff;
      out[at + 3] = (n >> 16) & 0xff;
      out[at + 4] = (n >> 24) & 0xff;
      this.pos += 5;
    } else {
      // LONG1: little-endian two's complement, shortest form.
      let v = BigInt(n);
      const out: number[] = [];
      for (;;) {
        const byte = Number(v & 0xffn);
        out.push(byte);
        v >>= 8n;
        if ((v === 0n && (byte & 0x80) === 0) || (v === -1n && (byte & 0x80) !== 0)) break;
      }
      this.byte(OP.LONG1);
      this.byte(out.length);
      this.bytes(Buffer.from(out));
    }
  }

  /** UTF-8 bytes buf[start, end) as a pickle str (valid UTF-8, as the pickle they were read from held them). */
  utf8Str(buf: Buffer, start = 0, end = buf.length) {
    const n = end - start;
    if (n < 256) {
      this.ensure(2 + n);
      const out = this.current;
      let at = this.pos;
      out[at++] = OP.SHORT_BINUNICODE;
      out[at++] = n;
      // A loop, not Buffer.copy: ids are a few dozen bytes, and a copy call costs more than that.
      for (let k = start; k < end; k++) out[at++] = buf[k]!;
      this.pos = at;
      return;
    }
    this.utf8Header(n);
    this.bytes(buf.subarray(start, end));
  }

  private utf8Header(length: number) {
    if (length <= 0xffffffff) {
      this.byte(OP.BINUNICODE);
      const len = Buffer.allocUnsafe(4);
      len.writeUInt32LE(length);
      this.bytes(len);
    } else {
      this.byte(OP.BINUNICODE8);
      const len = Buffer.allocUnsafe(8);
      len.writeBigUInt64LE(BigInt(length));
      this.bytes(len);
    }
  }

  /**
   * A dict built like CPython does it: EMPTY_DICT, then MARK … SETITEMS per 1000 pairs. Call
   * `item()` before each pair's key, and `end()` after the last pair.
   */
  dict(): { item(): void; end(): void } {
    this.byte(OP.EMPTY_DICT);
    let inBatch = 0;
    return {
      item: () => {
        if (inBatch === BATCH) {
          this.byte(OP.SETITEMS);
          inBatch = 0;
        }
        if (inBatch === 0) this.byte(OP.MARK);
        inBatch++;
      },
      end: () => {
        if (inBatch > 0) this.byte(OP.SETITEMS);
      },
    };
  }

  result(): Buffer {
    return Buffer.concat(this.resultChunks());
  }

  /** The bytes as written, in order, not joined (a join of ~50 MB at a million ids holds the thread ~75 ms). */
  resultChunks(): Buffer[] {
    return [...this.chunks, this.current.subarray(0, this.pos)];
  }
}

const U32_MAX = 0xffffffff;

/** Entries written between two points where a sliced encode may give the thread back. */
const ENTRIES_PER_STEP = 16_384;

export function writePersistentDataPickle(fields: PersistentDataFields): Buffer {
  const p = new PickleBuffer();
  runSteps(pickleSteps(p, fields));
  return p.result();
}

/**
 * writePersistentDataPickle for a caller whose thread serves others meanwhile (a persist's
 * publish at a million ids encodes for a quarter of a second): it gives the thread back about
 * every `sliceMs`, and stops with CANCELLED once `signal` is aborted. The bytes come as the
 * chunks they were written in, in order (written to a file as they are, never joined).
 */
export async function encodePersistentDataPickle(fields: PersistentDataFields, signal?: AbortSignal, sliceMs = 20): Promise<Buffer[]> {
  const p = new PickleBuffer();
  await runStepsSliced(pickleSteps(p, fields), { signal, sliceMs });
  return p.resultChunks();
}

/** Writes the pickle into `p`, yielding every ENTRIES_PER_STEP entries or so. */
function* pickleSteps(p: PickleBuffer, fields: PersistentDataFields): Steps<void> {
  const dot = PERSISTENT_DATA_CLASS.lastIndexOf('.');
  p.byte(OP.PROTO);
  p.byte(4);
  p.str(PERSISTENT_DATA_CLASS.slice(0, dot));
  p.str(PERSISTENT_DATA_CLASS.slice(dot + 1));
  p.byte(OP.STACK_GLOBAL);
  p.byte(OP.EMPTY_TUPLE);
  p.byte(OP.NEWOBJ);
  // The instance __dict__, in PersistentData's attribute order.
  p.byte(OP.EMPTY_DICT);
  p.byte(OP.MARK);
  p.str('dimensionality');
  p.int(fields.dimensionality);
  p.str('total_elements_added');
  p.int(fields.totalElementsAdded);
  p.str('max_seq_id');
  p.int(fields.maxSeqId);
  const ids = fields.idToLabel;
  // A persist's map keeps the checkpoint's ids as the old pickle's bytes: they are copied as they are.
  const base = ids instanceof EditedIdMap ? ids : null;
  for (const labelFirst of [false, true]) {
    p.str(labelFirst ? 'label_to_id' : 'id_to_label');
    const d = p.dict();
    if (base) {
      const pair = labelFirst
        ? (buf: Buffer, start: number, end: number, label: number) => {
            d.item();
            p.int(label);
            p.utf8Str(buf, start, end);
          }
        : (buf: Buffer, start: number, end: number, label: number) => {
            d.item();
            p.utf8Str(buf, start, end);
            p.int(label);
          };
      for (let from = 0; from < base.baseSize; from += ENTRIES_PER_STEP) {
        base.forEachBaseEntry(pair, from, Math.min(base.baseSize, from + ENTRIES_PER_STEP));
        yield;
      }
    }
    let n = 0;
    for (const [id, label] of base ? base.ownEntries() : ids.entries()) {
      d.item();
      if (labelFirst) {
        p.int(label);
        p.str(id);
      } else {
        p.str(id);
        p.int(label);
      }
      if (++n % ENTRIES_PER_STEP === 0) yield;
    }
    d.end();
  }
  p.str('id_to_seq_id');
  // Rust declares the values u32: a larger seq id would make its deserialisation fail.
  const d = p.dict();
  let n = 0;
  for (const [k, seq] of fields.idToSeqId) {
    if (seq > U32_MAX) continue;
    d.item();
    p.str(k);
    p.int(seq);
    if (++n % ENTRIES_PER_STEP === 0) yield;
  }
  d.end();
  p.byte(OP.SETITEMS);
  p.byte(OP.BUILD);
  p.byte(OP.STOP);
}
