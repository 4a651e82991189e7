import type { CompareOp } from './where-ast.js';

/**
 * The scalar semantics shared by the SQL compiler and the in-memory evaluator, so that both are
 * written against one definition of Rust core's int/float handling (docs/format.md §7.4).
 */

export const I64_MIN = -(2n ** 63n);
export const I64_MAX = 2n ** 63n - 1n;

/** Rust `f as i64`: truncation toward zero, saturating at the i64 bounds, NaN → 0. */
export function floatToI64(f: number): bigint {
  if (Number.isNaN(f)) return 0n;
  if (f >= 9223372036854775808) return I64_MAX;
  if (f <= -9223372036854775808) return I64_MIN;
  return BigInt(Math.trunc(f));
}

/** Rust `i as f64` (round to nearest, ties to even), which is also what `Number(bigint)` does. */
export function i64ToFloat(i: bigint): number {
  return Number(i);
}

/** The SQL operator a comparison tests; `$ne` tests `=` and is negated with NOT IN. */
export type SqlCompareOp = '=' | '>' | '>=' | '<' | '<=';

export function sqlOperator(op: CompareOp): SqlCompareOp {
  switch (op) {
    case '$eq':
    case '$ne':
      return '=';
    case '$gt':
      return '>';
    case '$gte':
      return '>=';
    case '$lt':
      return '<';
    case '$lte':
      return '<=';
  }
}

/** Whether `sign` (negative, zero, positive, as from a comparator) satisfies `op`. */
export function signSatisfies(sign: number, op: SqlCompareOp): boolean {
  switch (op) {
    case '=':
      return sign === 0;
    case '>':
      return sign > 0;
    case '>=':
      return sign >= 0;
    case '<':
      return sign < 0;
    case '<=':
      return sign <= 0;
  }
}

export function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SQLite REAL comparison (no NaN can be stored). */
export function compareFloat(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SQLite's BINARY collation on UTF-8 text orders strings by code point. */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

/** `%`, `_` and `\` escaped for `LIKE ... ESCAPE '\'`, as Rust core does, wrapped in `%...%`. */
export function likeContainsPattern(text: string): string {
  return `%${text.replace(/\\/g, '\\\\').replace(/%/g, '\\%').replace(/_/g, '\\_')}%`;
}
