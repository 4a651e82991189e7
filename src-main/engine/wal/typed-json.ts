import { parse } from 'lossless-json';
import type { TypedScalar, TypedValue } from '../util/typed-value.js';
import type { ScalarKind } from '../../../shared/models.js';

const I64_MAX = 2n ** 63n - 1n;
const I64_MIN = -(2n ** 63n);

class RawNumber {
  constructor(readonly text: string) {}
}

/**
 * Chroma's number typing for WAL metadata (docs/format.md §4.3): an integer literal that fits
 * i64 is an int, anything else (`.`, exponent, out of range) a float. `2.0` stays a float, which
 * JSON.parse would lose.
 */
function typeNumber(text: string): TypedScalar {
  if (/^-?\d+$/.test(text)) {
    const big = BigInt(text);
    if (big >= I64_MIN && big <= I64_MAX) return { kind: 'int', value: big };
  }
  return { kind: 'float', value: Number(text) };
}

function typeScalar(v: unknown): TypedScalar | null {
  if (v instanceof RawNumber) return typeNumber(v.text);
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (typeof v === 'boolean') return { kind: 'bool', value: v };
  return null;
}

export interface DecodedWalMetadata {
  /** Keys with values, in JSON order. */
  values: Map<string, TypedValue>;
  /** Keys whose JSON value is null: an update deletes them. */
  nulls: string[];
}

/** Parses a WAL metadata JSON object; throws a plain Error with the reason on bad input. */
export function parseWalMetadata(text: string): DecodedWalMetadata {
  // Python wrote NaN/Infinity in some versions; Rust cannot read them either, but we can say so.
  const parsed = parse(text, undefined, (s: string) => new RawNumber(s)) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('metadata is not a JSON object');
  }
  const values = new Map<string, TypedValue>();
  const nulls: string[] = [];
  for (const [key, raw] of Object.entries(parsed as Record<string, unknown>)) {
    if (raw === null) {
      nulls.push(key);
      continue;
    }
    if (Array.isArray(raw)) {
      const items = raw.map(typeScalar);
      if (items.length === 0 || items.some((x) => x === null)) throw new Error(`key "${key}" holds an empty or nested array`);
      const scalars = items as TypedScalar[];
      // Arrays are homogeneous; ints inside a float array are widened as Chroma's serde would.
      const kinds = new Set(scalars.map((x) => x.kind));
      let elementKind: ScalarKind = scalars[0]!.kind;
      if (kinds.size > 1) {
        if ([...kinds].every((k) => k === 'int' || k === 'float')) elementKind = 'float';
        else throw new Error(`key "${key}" holds an array of mixed types`);
      }
      const norm = elementKind === 'float'
        ? scalars.map((x): TypedScalar => (x.kind === 'int' ? { kind: 'float', value: Number(x.value) } : x))
        : scalars;
      values.set(key, { kind: 'array', elementKind, items: norm });
      continue;
    }
    const scalar = typeScalar(raw);
    if (!scalar) throw new Error(`key "${key}" holds an unsupported value`);
    values.set(key, scalar);
  }
  return { values, nulls };
}
