/**
 * The byte cursor of the fast index_metadata.pickle decoder (index-metadata-fast.ts): it knows the
 * few opcodes Chroma's writers use and throws GIVE_UP at anything else, or before reading past the
 * end, so the general safe reader can decide and name the problem.
 */
export const OP = {
  PROTO: 0x80, FRAME: 0x95, EMPTY_DICT: 0x7d, MARK: 0x28, SETITEMS: 0x75, STOP: 0x2e, NONE: 0x4e,
  BININT: 0x4a, BININT1: 0x4b, BININT2: 0x4d, LONG1: 0x8a, BINUNICODE: 0x58, SHORT_BINUNICODE: 0x8c,
  STACK_GLOBAL: 0x93, EMPTY_TUPLE: 0x29, NEWOBJ: 0x81, BUILD: 0x62,
  MEMOIZE: 0x94, BINPUT: 0x71, LONG_BINPUT: 0x72, BINGET: 0x68, LONG_BINGET: 0x6a,
} as const;

/**
 * Blocks until the bytes before `upTo` are in the buffer (a file another thread is still reading
 * into it) and returns how far the buffer is filled then; throws if they never will be.
 */
export type Arrive = (upTo: number) => number;

class GiveUp extends Error {}
export const GIVE_UP = new GiveUp();

export class Cursor {
  pos = 0;
  /** The memo index stored by the memo opcode(s) the last op() call stepped over, or −1. */
  memoed = -1;
  /** How many MEMOIZE opcodes were met (Python's next memo index), and the furthest one counted. */
  private memoCount = 0;
  private countedTo = -1;
  private explicitMemo = false;

  /** Bytes before this are in `buf`; the rest arrive through `arrive` (level0-prescan.ts). */
  private end: number;

  /** `arrive`, when given: `buf` is still being filled (see Arrive). */
  constructor(
    readonly buf: Buffer,
    private readonly arrive: Arrive | null = null,
  ) {
    this.end = arrive ? 0 : buf.length;
  }

  /**
   * Whether the n bytes at the cursor are in the file, waiting for them if they are still being
   * read. The hot paths test `pos + n <= end` themselves and call this only past it.
   */
  has(n: number): boolean {
    const want = this.pos + n;
    if (want <= this.end) return true;
    if (this.arrive === null || want > this.buf.length) return false;
    this.end = this.arrive(want);
    return want <= this.end;
  }

  /** How far `buf` is known to be filled, without waiting for more (the plain-entry loops stay below it). */
  get filled(): number {
    return this.end;
  }

  /** A cursor over the same bytes at `pos` (bytes before this one's are already there). */
  at(pos: number): Cursor {
    const c = new Cursor(this.buf, this.arrive);
    c.end = this.end;
    c.pos = pos;
    return c;
  }

  /** The byte at the cursor (a protocol number). */
  u8(): number {
    if (this.pos + 1 > this.end && !this.has(1)) throw GIVE_UP;
    return this.buf[this.pos++]!;
  }

  /**
   * Next opcode, stepping over protocol 4+ FRAME hints and memo stores (Python's pickler memoises
   * every str and dict; only memo fetches, which give values, matter here). A position may be
   * read twice (a peek restores pos), so each MEMOIZE is counted once, by where it is.
   */
  op(): number {
    const buf = this.buf;
    this.memoed = -1;
    for (;;) {
      if (this.pos + 1 > this.end && !this.has(1)) throw GIVE_UP;
      const at = this.pos++;
      const op = buf[at]!;
      if (op === OP.FRAME) {
        if (this.pos + 8 > this.end && !this.has(8)) throw GIVE_UP;
        const len = buf.readUInt32LE(this.pos) + buf.readUInt32LE(this.pos + 4) * 2 ** 32;
        this.pos += 8;
        if (len > buf.length - this.pos) throw GIVE_UP;
      } else if (op === OP.MEMOIZE) {
        if (this.explicitMemo) throw GIVE_UP;
        if (at > this.countedTo) {
          this.countedTo = at;
          this.memoed = this.memoCount++;
        } else {
          this.memoed = this.memoIndexAt(at);
        }
      } else if (op === OP.BINPUT || op === OP.LONG_BINPUT) {
        if (this.memoCount > 0) throw GIVE_UP; // both styles in one file: indices would not line up
        this.explicitMemo = true;
        this.memoed = this.memoArg(op);
      } else {
        return op;
      }
    }
  }

  /** A MEMOIZE met again after a peek: only the most recent one can be re-read. */
  private memoIndexAt(at: number): number {
    if (at !== this.countedTo) throw GIVE_UP;
    return this.memoCount - 1;
  }

  /** The index argument of BINPUT/LONG_BINPUT/BINGET/LONG_BINGET at the cursor. */
  memoArg(op: number): number {
    const buf = this.buf;
    const wide = op === OP.LONG_BINPUT || op === OP.LONG_BINGET;
    const need = wide ? 4 : 1;
    if (this.pos + need > this.end && !this.has(need)) throw GIVE_UP;
    const v = wide ? buf.readUInt32LE(this.pos) : buf[this.pos]!;
    this.pos += wide ? 4 : 1;
    return v;
  }

  /** Argument of a non-negative int opcode (LONG1 up to 2^53); gives up on anything else. */
  uint(op: number): number {
    const buf = this.buf;
    const p = this.pos;
    if (op === OP.BININT1) {
      if (this.pos + 1 > this.end && !this.has(1)) throw GIVE_UP;
      this.pos = p + 1;
      return buf[p]!;
    }
    if (op === OP.BININT2) {
      if (this.pos + 2 > this.end && !this.has(2)) throw GIVE_UP;
      this.pos = p + 2;
      return buf[p]! | (buf[p + 1]! << 8);
    }
    if (op === OP.BININT) {
      if (this.pos + 4 > this.end && !this.has(4)) throw GIVE_UP;
      this.pos = p + 4;
      const v = buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24);
      if (v < 0) throw GIVE_UP;
      return v;
    }
    if (op === OP.LONG1) {
      // Little-endian two's complement (Python writes the fewest bytes that keep the sign; serde-pickle 8).
      if (this.pos + 1 > this.end && !this.has(1)) throw GIVE_UP;
      const n = buf[p]!;
      if (n === 0 || n > 8 || (this.pos + 1 + n > this.end && !this.has(1 + n)) || buf[p + n]! >= 0x80) throw GIVE_UP;
      let v = 0;
      for (let k = n; k >= 1; k--) v = v * 256 + buf[p + k]!;
      if (!Number.isSafeInteger(v)) throw GIVE_UP;
      this.pos = p + 1 + n;
      return v;
    }
    throw GIVE_UP;
  }

  /** Byte range [start, pos) of a str opcode's UTF-8 payload. */
  str(op: number): number {
    const buf = this.buf;
    let len: number;
    if (op === OP.SHORT_BINUNICODE) {
      if (this.pos + 1 > this.end && !this.has(1)) throw GIVE_UP;
      len = buf[this.pos++]!;
    } else if (op === OP.BINUNICODE) {
      if (this.pos + 4 > this.end && !this.has(4)) throw GIVE_UP;
      len = buf.readUInt32LE(this.pos);
      this.pos += 4;
    } else {
      throw GIVE_UP;
    }
    if (this.pos + len > this.end && !this.has(len)) throw GIVE_UP;
    const start = this.pos;
    this.pos += len;
    return start;
  }

  text(op: number): string {
    const start = this.str(op);
    return this.buf.toString('utf8', start, this.pos);
  }
}
