import type { TypedScalar } from '../util/typed-value.js';

export interface TypedColumns {
  s: unknown;
  i: unknown;
  f: unknown;
  b: unknown;
}

/**
 * Chroma reads typed columns in the order string, int, float, bool; the first non-NULL one is the
 * value. Rows must be read with safeIntegers so ints beyond 2^53 survive.
 */
export function readTypedColumns(row: TypedColumns): TypedScalar | null {
  return readTypedValues(row.s, row.i, row.f, row.b);
}

/** readTypedColumns over the four values themselves (a raw row's columns). */
export function readTypedValues(s: unknown, i: unknown, f: unknown, b: unknown): TypedScalar | null {
  if (s !== null && s !== undefined) return { kind: 'string', value: String(s) };
  if (i !== null && i !== undefined) {
    if (typeof i === 'bigint') return { kind: 'int', value: i };
    if (typeof i === 'number') {
      return Number.isInteger(i) ? { kind: 'int', value: BigInt(i) } : { kind: 'float', value: i };
    }
  }
  if (f !== null && f !== undefined) return { kind: 'float', value: Number(f) };
  if (b !== null && b !== undefined) return { kind: 'bool', value: Number(b) !== 0 };
  return null;
}
