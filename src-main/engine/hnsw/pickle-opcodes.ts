/**
 * Static knowledge the pickle VM uses: opcode names (for error messages and the allow-list) and
 * the text-literal syntax of protocol 0. Kept apart so the VM file reads as the stack machine only.
 */

/** Opcode byte → name, for the protocol 0–5 opcodes we execute. Anything else is rejected. */
export const OPCODE_NAMES: Record<number, string> = {
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
export const UNSUPPORTED: Record<number, string> = {
  0x50: 'PERSID', 0x51: 'BINPERSID', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4',
  0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

/** Callables that only rebuild an instance of their first argument. */
export const RECONSTRUCTORS = new Set(['copy_reg._reconstructor', 'copyreg._reconstructor']);

/** Python escape sequences in STRING (bytes repr) and UNICODE (raw-unicode-escape) arguments. */
export function decodeEscapes(text: string, rawUnicode: boolean): string {
  if (!text.includes('\\')) return text;
  const simple: Record<string, string> = {
    n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v',
  };
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

/** Protocol-0 FLOAT argument: Python's repr of a float (inf/nan spelled out). Null when invalid. */
export function parseFloatLiteral(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === 'inf' || t === '+inf') return Infinity;
  if (t === '-inf') return -Infinity;
  if (t === 'nan') return NaN;
  const v = Number(t);
  return t === '' || Number.isNaN(v) ? null : v;
}

/** JS number when exact, bigint beyond the safe range. */
export function toIntValue(big: bigint): number | bigint {
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/** LONG1/LONG4 payload: little-endian two's complement of any width (empty = 0). */
export function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = BigInt(`0x${Buffer.from(bytes).reverse().toString('hex')}`);
  if (bytes[bytes.length - 1]! & 0x80) v -= 1n << BigInt(bytes.length * 8);
  return toIntValue(v);
}

/** Protocol-0 INT/LONG argument: decimal with an optional trailing L. Null when invalid. */
export function parseIntLiteral(text: string): number | bigint | null {
  const digits = text.endsWith('L') ? text.slice(0, -1) : text;
  return /^[+-]?\d+$/.test(digits) ? toIntValue(BigInt(digits)) : null;
}
