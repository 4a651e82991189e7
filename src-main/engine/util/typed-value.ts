import type { MetadataScalar, MetadataValue, ScalarKind } from '../../../shared/models.js';

/**
 * A metadata scalar with Chroma's type attached. JSON loses the int/float distinction (`2.0` vs
 * `2`), and Chroma's filters depend on it, so the engine carries the kind explicitly.
 * Ints beyond 2^53 stay exact as bigint.
 */
export type TypedScalar =
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: bigint }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean };

export type TypedValue = TypedScalar | { kind: 'array'; elementKind: ScalarKind; items: TypedScalar[] };

/** Typed metadata of one record, keys in storage order. */
export type TypedMetadata = Map<string, TypedValue>;

export function scalarToPlain(s: TypedScalar): MetadataScalar {
  if (s.kind === 'int') {
    const n = Number(s.value);
    return Number.isSafeInteger(n) ? n : n; // beyond 2^53 precision is lost in JSON numbers, as in Chroma's JSON
  }
  return s.value;
}

export function toPlain(v: TypedValue): MetadataValue {
  return v.kind === 'array' ? v.items.map(scalarToPlain) : scalarToPlain(v);
}

export const intScalar = (value: bigint | number): TypedScalar => ({ kind: 'int', value: BigInt(value) });
export const floatScalar = (value: number): TypedScalar => ({ kind: 'float', value });
export const stringScalar = (value: string): TypedScalar => ({ kind: 'string', value });
export const boolScalar = (value: boolean): TypedScalar => ({ kind: 'bool', value });

/** Same kind and value (an int 2 and a float 2.0 differ, as they do to Chroma's filters; NaN equals NaN). */
export function sameTypedScalar(a: TypedScalar, b: TypedScalar): boolean {
  return a.kind === b.kind && (a.value === b.value || Object.is(a.value, b.value));
}

export function sameTypedValue(a: TypedValue, b: TypedValue): boolean {
  if (a.kind === 'array' || b.kind === 'array') {
    return a.kind === 'array' && b.kind === 'array' && a.elementKind === b.elementKind && a.items.length === b.items.length && a.items.every((x, i) => sameTypedScalar(x, b.items[i]!));
  }
  return sameTypedScalar(a, b);
}

/** A scalar as JSON text that keeps its type: floats always with a decimal point or exponent, ints exact. */
export function typedScalarJson(s: TypedScalar): string {
  switch (s.kind) {
    case 'string':
      return JSON.stringify(s.value);
    case 'bool':
      return s.value ? 'true' : 'false';
    case 'int':
      return s.value.toString();
    case 'float': {
      const v = s.value;
      if (!Number.isFinite(v)) return 'null';
      if (Number.isInteger(v) && Math.abs(v) < 1e21) return `${Object.is(v, -0) ? '-0' : String(v)}.0`;
      return String(v);
    }
  }
}
