import { InspectorError } from '../../../shared/errors.js';
import { OPCODE_NAMES, UNSUPPORTED } from './pickle-opcodes.js';

/**
 * Bounded cursor over a pickle's bytes. Every length is checked against what is left before a
 * byte is sliced, so a hostile length field can only produce an EOF error, never an allocation.
 * It also knows the current opcode, so every error names file, byte offset and opcode.
 */
export class PickleInput {
  private pos = 0;
  /** Offset and byte of the opcode being executed. */
  opStart = 0;
  op = 0;

  constructor(
    readonly buf: Buffer,
    readonly file: string,
  ) {}

  get atEnd(): boolean {
    return this.pos >= this.buf.length;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  nextOp(): number {
    this.opStart = this.pos;
    this.op = this.buf[this.pos++]!;
    return this.op;
  }

  opName(): string {
    return OPCODE_NAMES[this.op] ?? UNSUPPORTED[this.op] ?? `0x${this.op.toString(16).padStart(2, '0')}`;
  }

  fail(problem: string): never {
    const message = `${this.file}: ${this.opName()} at byte ${this.opStart}: ${problem}`;
    throw new InspectorError('CORRUPT_PICKLE', message, { file: this.file, offset: this.opStart, opcode: this.opName() });
  }

  /** Python says "Ran out of input", serde-pickle "EOF while parsing"; we use the latter plus where. */
  eof(what?: string): never {
    const during = what ?? `${this.opName()} at byte ${this.opStart}`;
    const message = `${this.file}: truncated at byte ${this.buf.length} (EOF while parsing ${during})`;
    throw new InspectorError('CORRUPT_PICKLE', message, { file: this.file, offset: this.buf.length, opcode: this.opName() });
  }

  take(n: number | bigint): Buffer {
    const left = this.remaining;
    if (typeof n === 'bigint' ? n > BigInt(left) : n > left) this.eof();
    const len = Number(n);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  u8(): number {
    return this.take(1)[0]!;
  }

  /** A newline-terminated argument (protocol 0 text forms). Names are UTF-8, literals latin-1. */
  line(encoding: 'latin1' | 'utf8' = 'latin1'): string {
    const nl = this.buf.indexOf(0x0a, this.pos);
    if (nl < 0) this.eof();
    const text = this.buf.toString(encoding, this.pos, nl);
    this.pos = nl + 1;
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  }
}
