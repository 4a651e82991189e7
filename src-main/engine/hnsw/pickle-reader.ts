import { InspectorError } from '../../../shared/errors.js';
import {
  PickleGlobal,
  PickleObject,
  PickleSet,
  PickleTuple,
  isPickleDict,
  pickleTypeName,
  type PickleDict,
  type PickleValue,
} from './pickle-values.js';

export * from './pickle-values.js';

/** Opcode byte → name, for the protocol 0–5 opcodes we execute. Anything else is rejected. */
const OPCODE_NAMES: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT',
  0x4a: 'BININT', 0x4b: 'BININT1', 0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x52: 'REDUCE',
  0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE', 0x58: 'BINUNICODE',
  0x61: 'APPEND', 0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT', 0x7d: 'EMPTY_DICT', 0x65: 'APPENDS',
  0x67: 'GET', 0x68: 'BINGET', 0x69: 'INST', 0x6a: 'LONG_BINGET', 0x6c: 'LIST', 0x5d: 'EMPTY_LIST',
  0x6f: 'OBJ', 0x70: 'PUT', 0x71: 'BINPUT', 0x72: 'LONG_BINPUT', 0x73: 'SETITEM', 0x74: 'TUPLE',
  0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS', 0x47: 'BINFLOAT', 0x80: 'PROTO', 0x81: 'NEWOBJ',
  0x85: 'TUPLE1', 0x86: 'TUPLE2', 0x87: 'TUPLE3', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x8a: 'LONG1',
  0x8b: 'LONG4', 0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES', 0x8c: 'SHORT_BINUNICODE',
  0x8d: 'BINUNICODE8', 0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET',
  0x92: 'NEWOBJ_EX', 0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE', 0x95: 'FRAME', 0x96: 'BYTEARRAY8',
};

/** Opcodes that need outside help (persistent ids, extension registry, out-of-band buffers). */
const UNSUPPORTED: Record<number, string> = {
  0x50: 'PERSID', 0x51: 'BINPERSID', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4',
  0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

/** Open MARKs allowed at once: real pickles nest a handful; this stops pathological inputs early. */
const MAX_MARK_DEPTH = 1000;
/** Integers wider than this (LONG1/LONG4/LONG) are refused rather than turned into huge bigints. */
const MAX_LONG_BYTES = 4096;
/** Highest pickle protocol we know. */
const MAX_PROTOCOL = 5;

/** Everything the VM needs besides the input; a class so hot helpers avoid closures per opcode. */
class PickleMachine {
  private pos = 0;
  private opStart = 0;
  private op = 0;
  private stack: PickleValue[] = [];
  private marks: number[] = [];
  private readonly memo = new Map<number, PickleValue>();

  constructor(
    private readonly buf: Buffer,
    private readonly file: string,
  ) {}

  run(): PickleValue {
    if (this.buf.length === 0) this.eof('an empty file');
    while (this.pos < this.buf.length) {
      this.opStart = this.pos;
      this.op = this.buf[this.pos++]!;
      if (this.op === 0x2e) {
        // STOP: exactly one value must remain and no MARK may be open.
        if (this.marks.length > 0) this.fail('STOP with an unclosed MARK');
        if (this.stack.length !== 1) this.fail(`STOP with ${this.stack.length} values on the stack, expected 1`);
        return this.stack[0]!;
      }
      this.step();
    }
    return this.eof('no STOP opcode');
  }

  // --- errors ---------------------------------------------------------------------------------

  private opName(): string {
    return OPCODE_NAMES[this.op] ?? UNSUPPORTED[this.op] ?? `0x${this.op.toString(16).padStart(2, '0')}`;
  }

  private fail(problem: string): never {
    const message = `${this.file}: ${this.opName()} at byte ${this.opStart}: ${problem}`;
    throw new InspectorError('CORRUPT_PICKLE', message, { file: this.file, offset: this.opStart, opcode: this.opName() });
  }

  private eof(what?: string): never {
    const during = what ?? `${this.opName()} at byte ${this.opStart}`;
    const message = `${this.file}: truncated at byte ${this.buf.length} (EOF while parsing ${during})`;
    throw new InspectorError('CORRUPT_PICKLE', message, { file: this.file, offset: this.buf.length, opcode: this.opName() });
  }

  // --- input ----------------------------------------------------------------------------------

  /** Checks a length against the bytes left before anything is allocated for it. */
  private take(n: number | bigint): Buffer {
    const left = this.buf.length - this.pos;
    if (typeof n === 'bigint' ? n > BigInt(left) : n > left) this.eof();
    const len = Number(n);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  private u8(): number {
    return this.take(1)[0]!;
  }

  /** A newline-terminated argument (protocol 0 text forms). Names are UTF-8, literals latin-1. */
  private line(encoding: 'latin1' | 'utf8' = 'latin1'): string {
    const nl = this.buf.indexOf(0x0a, this.pos);
    if (nl < 0) this.eof();
    const text = this.buf.toString(encoding, this.pos, nl);
    this.pos = nl + 1;
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  }

  // --- stack ----------------------------------------------------------------------------------

  private push(v: PickleValue): void {
    this.stack.push(v);
  }

  private pop(): PickleValue {
    const floor = this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
    if (this.stack.length <= floor) this.fail('stack underflow');
    return this.stack.pop()!;
  }

  private top(): PickleValue {
    const floor = this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
    if (this.stack.length <= floor) this.fail('stack underflow');
    return this.stack[this.stack.length - 1]!;
  }

  /** Everything pushed since the last MARK, removing the mark. */
  private popMark(): PickleValue[] {
    const mark = this.marks.pop();
    if (mark === undefined) this.fail('no MARK to pop to');
    return this.stack.splice(mark);
  }

  private memoGet(index: number): PickleValue {
    if (!this.memo.has(index)) this.fail(`memo entry ${index} was never stored`);
    return this.memo.get(index)!;
  }

  private memoPut(index: number): void {
    if (!Number.isSafeInteger(index) || index < 0) this.fail(`invalid memo index ${index}`);
    this.memo.set(index, this.top());
  }

  // --- helpers for composite opcodes -------------------------------------------------------------

  private setItems(target: PickleValue, items: PickleValue[]): void {
    if (items.length % 2 !== 0) this.fail(`odd number of items (${items.length}) for key/value pairs`);
    let dict: PickleDict;
    if (isPickleDict(target)) dict = target;
    else if (target instanceof PickleObject) dict = target.dictItems ??= new Map();
    else return this.fail(`expects a dict, found ${pickleTypeName(target)}`);
    for (let i = 0; i < items.length; i += 2) dict.set(items[i]!, items[i + 1]!);
  }

  private appendItems(target: PickleValue, items: PickleValue[]): void {
    if (Array.isArray(target)) for (const item of items) target.push(item);
    else if (target instanceof PickleObject) (target.listItems ??= []).push(...items);
    else this.fail(`expects a list, found ${pickleTypeName(target)}`);
  }

  private className(cls: PickleValue): string {
    if (cls instanceof PickleGlobal) return cls.fullName;
    if (cls instanceof PickleObject) return cls.className;
    return this.fail(`expects a class, found ${pickleTypeName(cls)}`);
  }

  private argsOf(v: PickleValue): PickleValue[] {
    if (v instanceof PickleTuple) return [...v.items];
    if (Array.isArray(v)) return [...v];
    return this.fail(`expects an argument tuple, found ${pickleTypeName(v)}`);
  }

  private int(big: bigint): number | bigint {
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }

  /** LONG1/LONG4 payload: little-endian two's complement of any width. */
  private long(bytes: Buffer): number | bigint {
    if (bytes.length === 0) return 0;
    if (bytes.length > MAX_LONG_BYTES) this.fail(`integer of ${bytes.length} bytes is too large`);
    const hex = Buffer.from(bytes).reverse().toString('hex');
    let v = BigInt(`0x${hex}`);
    if (bytes[bytes.length - 1]! & 0x80) v -= 1n << BigInt(bytes.length * 8);
    return this.int(v);
  }

  /** Text forms (INT, LONG): decimal, optional trailing L, protocol-0 booleans "01"/"00". */
  private textInt(text: string, allowBool: boolean): PickleValue {
    if (allowBool && text === '01') return true;
    if (allowBool && text === '00') return false;
    const digits = text.endsWith('L') ? text.slice(0, -1) : text;
    if (!/^[+-]?\d+$/.test(digits)) this.fail(`invalid integer literal ${JSON.stringify(text.slice(0, 40))}`);
    if (digits.length > MAX_LONG_BYTES * 3) this.fail('integer literal is too long');
    return this.int(BigInt(digits));
  }

  private textFloat(text: string): number {
    const t = text.trim().toLowerCase();
    if (t === 'inf' || t === '+inf') return Infinity;
    if (t === '-inf') return -Infinity;
    if (t === 'nan') return NaN;
    const v = Number(t);
    if (t === '' || Number.isNaN(v)) this.fail(`invalid float literal ${JSON.stringify(text.slice(0, 40))}`);
    return v;
  }

  /** Protocol-0 STRING: a quoted Python bytes repr. Decoded as latin-1, as Python 3's loads does by default for ASCII. */
  private quotedString(text: string): string {
    const q = text[0];
    if (text.length < 2 || (q !== "'" && q !== '"') || text[text.length - 1] !== q) {
      this.fail('the STRING opcode argument must be quoted');
    }
    return decodeEscapes(text.slice(1, -1), false);
  }

  private step(): void {
    switch (this.op) {
      case 0x80: { // PROTO
        const proto = this.u8();
        if (proto > MAX_PROTOCOL) this.fail(`unsupported pickle protocol ${proto}`);
        return;
      }
      case 0x95: { // FRAME: only a length hint; the frame must fit in what is left.
        const len = this.take(8).readBigUInt64LE(0);
        if (len > BigInt(this.buf.length - this.pos)) this.eof();
        return;
      }
      case 0x28: // MARK
        if (this.marks.length >= MAX_MARK_DEPTH) this.fail(`more than ${MAX_MARK_DEPTH} nested MARKs`);
        this.marks.push(this.stack.length);
        return;
      case 0x30: this.pop(); return; // POP
      case 0x31: this.popMark(); return; // POP_MARK
      case 0x32: this.push(this.top()); return; // DUP
      case 0x4e: this.push(null); return; // NONE
      case 0x88: this.push(true); return; // NEWTRUE
      case 0x89: this.push(false); return; // NEWFALSE
      case 0x4a: this.push(this.take(4).readInt32LE(0)); return; // BININT
      case 0x4b: this.push(this.u8()); return; // BININT1
      case 0x4d: this.push(this.take(2).readUInt16LE(0)); return; // BININT2
      case 0x8a: this.push(this.long(this.take(this.u8()))); return; // LONG1
      case 0x8b: { // LONG4
        const n = this.take(4).readInt32LE(0);
        if (n < 0) this.fail(`negative length ${n}`);
        if (n > MAX_LONG_BYTES) this.fail(`integer of ${n} bytes is too large`);
        this.push(this.long(this.take(n)));
        return;
      }
      case 0x49: this.push(this.textInt(this.line(), true)); return; // INT
      case 0x4c: this.push(this.textInt(this.line(), false)); return; // LONG
      case 0x46: this.push(this.textFloat(this.line())); return; // FLOAT
      case 0x47: this.push(this.take(8).readDoubleBE(0)); return; // BINFLOAT (big-endian by spec)
      case 0x58: this.push(this.take(this.take(4).readUInt32LE(0)).toString('utf8')); return; // BINUNICODE
      case 0x8c: this.push(this.take(this.u8()).toString('utf8')); return; // SHORT_BINUNICODE
      case 0x8d: this.push(this.take(this.take(8).readBigUInt64LE(0)).toString('utf8')); return; // BINUNICODE8
      case 0x56: this.push(decodeEscapes(this.line(), true)); return; // UNICODE (raw-unicode-escape)
      case 0x53: this.push(this.quotedString(this.line())); return; // STRING
      case 0x54: { // BINSTRING (Python 2 str, signed length)
        const n = this.take(4).readInt32LE(0);
        if (n < 0) this.fail(`negative length ${n}`);
        this.push(this.take(n).toString('latin1'));
        return;
      }
      case 0x55: this.push(this.take(this.u8()).toString('latin1')); return; // SHORT_BINSTRING
      case 0x42: this.push(new Uint8Array(this.take(this.take(4).readUInt32LE(0)))); return; // BINBYTES
      case 0x43: this.push(new Uint8Array(this.take(this.u8()))); return; // SHORT_BINBYTES
      case 0x8e: // BINBYTES8
      case 0x96: this.push(new Uint8Array(this.take(this.take(8).readBigUInt64LE(0)))); return; // BYTEARRAY8
      case 0x7d: this.push(new Map()); return; // EMPTY_DICT
      case 0x5d: this.push([]); return; // EMPTY_LIST
      case 0x29: this.push(new PickleTuple([])); return; // EMPTY_TUPLE
      case 0x8f: this.push(new PickleSet([], false)); return; // EMPTY_SET
      case 0x85: this.push(new PickleTuple([this.pop()])); return; // TUPLE1
      case 0x86: { const b = this.pop(); const a = this.pop(); this.push(new PickleTuple([a, b])); return; } // TUPLE2
      case 0x87: { // TUPLE3
        const c = this.pop(); const b = this.pop(); const a = this.pop();
        this.push(new PickleTuple([a, b, c]));
        return;
      }
      case 0x74: this.push(new PickleTuple(this.popMark())); return; // TUPLE
      case 0x6c: this.push(this.popMark()); return; // LIST
      case 0x91: this.push(new PickleSet(this.popMark(), true)); return; // FROZENSET
      case 0x64: { const d: PickleDict = new Map(); this.setItems(d, this.popMark()); this.push(d); return; } // DICT
      case 0x73: { const v = this.pop(); const k = this.pop(); this.setItems(this.top(), [k, v]); return; } // SETITEM
      case 0x75: { const items = this.popMark(); this.setItems(this.top(), items); return; } // SETITEMS
      case 0x61: { const v = this.pop(); this.appendItems(this.top(), [v]); return; } // APPEND
      case 0x65: { const items = this.popMark(); this.appendItems(this.top(), items); return; } // APPENDS
      case 0x90: { // ADDITEMS
        const items = this.popMark();
        const set = this.top();
        if (!(set instanceof PickleSet)) this.fail(`expects a set, found ${pickleTypeName(set)}`);
        set.items.push(...items);
        return;
      }
      case 0x94: this.memoPut(this.memo.size); return; // MEMOIZE
      case 0x70: this.memoPut(Number(this.textInt(this.line(), false))); return; // PUT
      case 0x71: this.memoPut(this.u8()); return; // BINPUT
      case 0x72: this.memoPut(this.take(4).readUInt32LE(0)); return; // LONG_BINPUT
      case 0x67: this.push(this.memoGet(Number(this.textInt(this.line(), false)))); return; // GET
      case 0x68: this.push(this.memoGet(this.u8())); return; // BINGET
      case 0x6a: this.push(this.memoGet(this.take(4).readUInt32LE(0))); return; // LONG_BINGET
      case 0x63: { const module = this.line('utf8'); this.push(new PickleGlobal(module, this.line('utf8'))); return; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = this.pop(); const module = this.pop();
        if (typeof module !== 'string' || typeof name !== 'string') this.fail('module and name must be strings');
        this.push(new PickleGlobal(module, name));
        return;
      }
      case 0x81: { // NEWOBJ: cls.__new__(cls, *args) — recorded, never run.
        const args = this.pop(); const cls = this.pop();
        this.push(new PickleObject(this.className(cls), this.argsOf(args)));
        return;
      }
      case 0x92: { // NEWOBJ_EX
        const kwargs = this.pop(); const args = this.pop(); const cls = this.pop();
        this.push(new PickleObject(this.className(cls), this.argsOf(args), kwargs));
        return;
      }
      case 0x52: { // REDUCE: callable(*args) — recorded, never run.
        const args = this.pop(); const callable = this.pop();
        this.push(new PickleObject(this.className(callable), this.argsOf(args)));
        return;
      }
      case 0x69: { // INST (protocol 0 instance)
        const module = this.line('utf8'); const name = this.line('utf8');
        this.push(new PickleObject(`${module}.${name}`, this.popMark()));
        return;
      }
      case 0x6f: { // OBJ (protocol 1 instance)
        const items = this.popMark();
        if (items.length === 0) this.fail('no class given');
        this.push(new PickleObject(this.className(items[0]!), items.slice(1)));
        return;
      }
      case 0x62: { // BUILD: the placeholder takes the state, in place.
        const state = this.pop();
        const obj = this.top();
        if (!(obj instanceof PickleObject)) this.fail(`expects an object, found ${pickleTypeName(obj)}`);
        obj.state = state;
        return;
      }
      default:
        if (UNSUPPORTED[this.op] !== undefined) this.fail('unsupported opcode (needs outside objects)');
        this.fail(`unknown opcode 0x${this.op.toString(16).padStart(2, '0')}`);
    }
  }
}

/** Python escape sequences in STRING (bytes repr) and UNICODE (raw-unicode-escape) arguments. */
function decodeEscapes(text: string, rawUnicode: boolean): string {
  if (!text.includes('\\')) return text;
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v' };
  const pattern = rawUnicode ? /\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g : /\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g;
  return text.replace(pattern, (whole, a: string | undefined, b: string | undefined) => {
    if (rawUnicode) {
      const cp = parseInt((a ?? b)!, 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
    }
    const esc = a!;
    if (esc.startsWith('x')) return String.fromCharCode(parseInt(esc.slice(1), 16));
    if (/^[0-7]+$/.test(esc)) return String.fromCharCode(parseInt(esc, 8) & 0xff);
    return simple[esc] ?? whole;
  });
}

/**
 * Reads a pickle without executing anything. Integers are JS numbers unless they fall outside
 * the safe range, then bigint. Throws InspectorError('CORRUPT_PICKLE') naming the file, the byte
 * offset and the opcode on truncation, unknown opcodes or malformed structure.
 */
export function readPickle(buf: Buffer, file: string): PickleValue {
  return new PickleMachine(buf, file).run();
}
