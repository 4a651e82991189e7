import type { TypedScalar, TypedValue } from '../util/typed-value.js';
import { DOCUMENT_KEY, URI_KEY } from '../wal/decode-row.js';
import { HOST_IS_LITTLE_ENDIAN } from '../util/host-endianness.js';

/**
 * Chroma's WAL encodings (docs/format.md §4.2, §4.3): vectors as little-endian float32 bytes
 * (`encoding = 'FLOAT32'`), metadata as a JSON object whose number literals carry the type — an
 * integer literal is an int, anything with `.` or an exponent a float, so a float 2 is written
 * `2.0`. Rust core writes compact JSON and `{}` when there is nothing; Python 0.x wrote
 * `json.dumps` output (`", "` / `": "` separators, ASCII only) and SQL NULL when empty.
 */
export type WalStyle = 'rust' | 'python';

export const WAL_OPERATION_CODES = { ADD: 0, UPDATE: 1, UPSERT: 2, DELETE: 3 } as const;
export type WriteOperation = keyof typeof WAL_OPERATION_CODES;


export function encodeVector(v: Float32Array): Buffer {
  // On a little-endian machine the array's own bytes are the encoding: one copy, not a write per float.
  if (HOST_IS_LITTLE_ENDIAN) return Buffer.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  const out = Buffer.allocUnsafe(v.length * 4);
  for (let i = 0; i < v.length; i++) out.writeFloatLE(v[i]!, i * 4);
  return out;
}

/** A float literal that JSON parsers (serde_json, Python, our WAL reader) read back as a float. */
export function floatLiteral(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`cannot encode ${x} in Chroma's WAL JSON`);
  if (Object.is(x, -0)) return '-0.0';
  const s = String(x);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

function asciiOnly(json: string): string {
  return json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function scalarJson(s: TypedScalar, style: WalStyle): string {
  switch (s.kind) {
    case 'int':
      return s.value.toString();
    case 'float':
      return floatLiteral(s.value);
    case 'bool':
      return s.value ? 'true' : 'false';
    case 'string':
      return style === 'python' ? asciiOnly(JSON.stringify(s.value)) : JSON.stringify(s.value);
  }
}

function valueJson(v: TypedValue | null, style: WalStyle): string {
  if (v === null) return 'null';
  if (v.kind === 'array') return `[${v.items.map((x) => scalarJson(x, style)).join(style === 'python' ? ', ' : ',')}]`;
  return scalarJson(v, style);
}

/** What one record write carries into the WAL row's metadata column. */
export interface WalPayload {
  /** Keys to set (a value) or delete (null), in order. Never `chroma:*` keys. */
  metadata: ReadonlyMap<string, TypedValue | null> | null;
  /** undefined: the write does not touch the document. */
  document?: string | null | undefined;
  uri?: string | null | undefined;
}

export function encodeWalMetadata(p: WalPayload, style: WalStyle): string | null {
  const entries: [string, TypedValue | null][] = [...(p.metadata ?? [])];
  if (p.document !== undefined) entries.push([DOCUMENT_KEY, p.document === null ? null : { kind: 'string', value: p.document }]);
  if (p.uri !== undefined) entries.push([URI_KEY, p.uri === null ? null : { kind: 'string', value: p.uri }]);
  if (entries.length === 0) return style === 'python' ? null : '{}';
  const key = (k: string) => (style === 'python' ? asciiOnly(JSON.stringify(k)) : JSON.stringify(k));
  const [sep, colon] = style === 'python' ? [', ', ': '] : [',', ':'];
  return `{${entries.map(([k, v]) => `${key(k)}${colon}${valueJson(v, style)}`).join(sep)}}`;
}
