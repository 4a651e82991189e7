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
  if (row.s !== null && row.s !== undefined) return { kind: 'string', value: String(row.s) };
  if (row.i !== null && row.i !== undefined) {
    if (typeof row.i === 'bigint') return { kind: 'int', value: row.i };
    if (typeof row.i === 'number') {
      return Number.isInteger(row.i) ? { kind: 'int', value: BigInt(row.i) } : { kind: 'float', value: row.i };
    }
  }
  if (row.f !== null && row.f !== undefined) return { kind: 'float', value: Number(row.f) };
  if (row.b !== null && row.b !== undefined) return { kind: 'bool', value: Number(row.b) !== 0 };
  return null;
}
