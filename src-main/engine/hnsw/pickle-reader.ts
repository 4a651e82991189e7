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
import { PickleInput } from './pickle-input.js';
import {
  RECONSTRUCTORS,
  UNSUPPORTED,
  decodeEscapes,
  decodeLong,
  parseFloatLiteral,
  parseIntLiteral,
} from './pickle-opcodes.js';

export * from './pickle-values.js';

/** Open MARKs allowed at once: real pickles nest a handful; this stops pathological inputs early. */
const MAX_MARK_DEPTH = 1000;
/** Integers wider than this (LONG1/LONG4/LONG) are refused rather than turned into huge bigints. */
const MAX_LONG_BYTES = 4096;
/** Highest pickle protocol we know. */
const MAX_PROTOCOL = 5;

/** Everything the VM needs besides the input; a class so hot helpers avoid closures per opcode. */
class PickleMachine {
  private stack: PickleValue[] = [];
  private marks: number[] = [];
  private readonly memo = new Map<number, PickleValue>();
  private readonly input: PickleInput;

  constructor(buf: Buffer, file: string) {
    this.input = new PickleInput(buf, file);
  }

  run(): PickleValue {
    const input = this.input;
    if (input.buf.length === 0) input.eof('an empty file');
    while (!input.atEnd) {
      if (input.nextOp() === 0x2e) {
        // STOP: exactly one value must remain and no MARK may be open.
        if (this.marks.length > 0) this.fail('STOP with an unclosed MARK');
        if (this.stack.length !== 1) this.fail(`STOP with ${this.stack.length} values on the stack, expected 1`);
        return this.stack[0]!;
      }
      this.step(input.op);
    }
    return input.eof('no STOP opcode');
  }

  private fail(problem: string): never {
    return this.input.fail(problem);
  }

  // --- stack ----------------------------------------------------------------------------------

  private push(v: PickleValue): void {
    this.stack.push(v);
  }

  /** Values below the innermost MARK belong to an outer level (Python keeps them on a metastack). */
  private top(): PickleValue {
    const floor = this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
    if (this.stack.length <= floor) this.fail('stack underflow');
    return this.stack[this.stack.length - 1]!;
  }

  private pop(): PickleValue {
    this.top();
    return this.stack.pop()!;
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
    let list: PickleValue[];
    if (Array.isArray(target)) list = target;
    else if (target instanceof PickleObject) list = target.listItems ??= [];
    else return this.fail(`expects a list, found ${pickleTypeName(target)}`);
    // A loop, not push(...items): a hostile MARK group can be larger than the engine's argument limit.
    for (const item of items) list.push(item);
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

  /** LONG1/LONG4 payload; the width is capped before any bigint is built. */
  private long(bytes: Buffer): number | bigint {
    if (bytes.length > MAX_LONG_BYTES) this.fail(`integer of ${bytes.length} bytes is too large`);
    return decodeLong(bytes);
  }

  /** INT / LONG / PUT / GET text arguments. */
  private textInt(text: string, allowBool: boolean): PickleValue {
    if (allowBool && text === '01') return true; // protocol 0 spells booleans as INT 01 / 00
    if (allowBool && text === '00') return false;
    if (text.length > MAX_LONG_BYTES * 3) this.fail('integer literal is too long');
    const v = parseIntLiteral(text);
    if (v === null) this.fail(`invalid integer literal ${JSON.stringify(text.slice(0, 40))}`);
    return v;
  }

  private textFloat(text: string): number {
    const v = parseFloatLiteral(text);
    if (v === null) this.fail(`invalid float literal ${JSON.stringify(text.slice(0, 40))}`);
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

  private step(op: number): void {
    const input = this.input;
    switch (op) {
      case 0x80: { // PROTO
        const proto = input.u8();
        if (proto > MAX_PROTOCOL) this.fail(`unsupported pickle protocol ${proto}`);
        return;
      }
      case 0x95: { // FRAME: only a length hint; the frame must fit in what is left.
        const len = input.take(8).readBigUInt64LE(0);
        if (len > BigInt(input.remaining)) input.eof();
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
      case 0x4a: this.push(input.take(4).readInt32LE(0)); return; // BININT
      case 0x4b: this.push(input.u8()); return; // BININT1
      case 0x4d: this.push(input.take(2).readUInt16LE(0)); return; // BININT2
      case 0x8a: this.push(this.long(input.take(input.u8()))); return; // LONG1
      case 0x8b: { // LONG4
        const n = input.take(4).readInt32LE(0);
        if (n < 0) this.fail(`negative length ${n}`);
        if (n > MAX_LONG_BYTES) this.fail(`integer of ${n} bytes is too large`);
        this.push(this.long(input.take(n)));
        return;
      }
      case 0x49: this.push(this.textInt(input.line(), true)); return; // INT
      case 0x4c: this.push(this.textInt(input.line(), false)); return; // LONG
      case 0x46: this.push(this.textFloat(input.line())); return; // FLOAT
      case 0x47: this.push(input.take(8).readDoubleBE(0)); return; // BINFLOAT (big-endian by spec)
      case 0x58: this.push(input.take(input.take(4).readUInt32LE(0)).toString('utf8')); return; // BINUNICODE
      case 0x8c: this.push(input.take(input.u8()).toString('utf8')); return; // SHORT_BINUNICODE
      case 0x8d: this.push(input.take(input.take(8).readBigUInt64LE(0)).toString('utf8')); return; // BINUNICODE8
      case 0x56: this.push(decodeEscapes(input.line(), true)); return; // UNICODE (raw-unicode-escape)
      case 0x53: this.push(this.quotedString(input.line())); return; // STRING
      case 0x54: { // BINSTRING (Python 2 str, signed length)
        const n = input.take(4).readInt32LE(0);
        if (n < 0) this.fail(`negative length ${n}`);
        this.push(input.take(n).toString('latin1'));
        return;
      }
      case 0x55: this.push(input.take(input.u8()).toString('latin1')); return; // SHORT_BINSTRING
      case 0x42: this.push(new Uint8Array(input.take(input.take(4).readUInt32LE(0)))); return; // BINBYTES
      case 0x43: this.push(new Uint8Array(input.take(input.u8()))); return; // SHORT_BINBYTES
      case 0x8e: // BINBYTES8
      case 0x96: this.push(new Uint8Array(input.take(input.take(8).readBigUInt64LE(0)))); return; // BYTEARRAY8
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
        for (const item of items) set.items.push(item);
        return;
      }
      case 0x94: this.memoPut(this.memo.size); return; // MEMOIZE
      case 0x70: this.memoPut(Number(this.textInt(input.line(), false))); return; // PUT
      case 0x71: this.memoPut(input.u8()); return; // BINPUT
      case 0x72: this.memoPut(input.take(4).readUInt32LE(0)); return; // LONG_BINPUT
      case 0x67: this.push(this.memoGet(Number(this.textInt(input.line(), false)))); return; // GET
      case 0x68: this.push(this.memoGet(input.u8())); return; // BINGET
      case 0x6a: this.push(this.memoGet(input.take(4).readUInt32LE(0))); return; // LONG_BINGET
      case 0x63: { const module = input.line('utf8'); this.push(new PickleGlobal(module, input.line('utf8'))); return; } // GLOBAL
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
        const args = this.argsOf(this.pop());
        const name = this.className(this.pop());
        // Protocols 0–1 pickle plain instances as copyreg._reconstructor(cls, base, state): report cls.
        const cls = RECONSTRUCTORS.has(name) && args[0] instanceof PickleGlobal ? args[0].fullName : name;
        this.push(new PickleObject(cls, args));
        return;
      }
      case 0x69: { // INST (protocol 0 instance)
        const module = input.line('utf8'); const name = input.line('utf8');
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
        if (UNSUPPORTED[op] !== undefined) this.fail('unsupported opcode (needs outside objects)');
        this.fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}

/**
 * Reads a pickle without executing anything. Integers are JS numbers unless they fall outside
 * the safe range, then bigint. Throws InspectorError('CORRUPT_PICKLE') naming the file, the byte
 * offset and the opcode on truncation, unknown opcodes or malformed structure.
 */
export function readPickle(buf: Buffer, file: string): PickleValue {
  return new PickleMachine(buf, file).run();
}
