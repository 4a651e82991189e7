import type { TypedMetadata, TypedScalar, TypedValue } from '../util/typed-value.js';

/** Same kind and value (an int 2 and a float 2.0 differ, as they do to Chroma's filters). */
function sameScalar(x: TypedScalar, y: TypedScalar): boolean {
  return x.kind === y.kind && (Object.is(x.value, y.value) || x.value === y.value);
}

export function sameTypedValue(x: TypedValue | undefined, y: TypedValue | undefined): boolean {
  if (x === undefined || y === undefined) return x === y;
  if (x.kind === 'array' || y.kind === 'array') {
    return x.kind === 'array' && y.kind === 'array' && x.elementKind === y.elementKind && x.items.length === y.items.length && x.items.every((v, i) => sameScalar(v, y.items[i]!));
  }
  return sameScalar(x, y);
}

/** The keys whose value differs, was added or was removed (the `chroma:` keys included). */
export function changedKeys(a: TypedMetadata | null, b: TypedMetadata | null): string[] {
  const keys = new Set([...(a?.keys() ?? []), ...(b?.keys() ?? [])]);
  return [...keys].filter((k) => !sameTypedValue(a?.get(k), b?.get(k))).sort();
}

export function sameTypedMetadata(a: TypedMetadata | null, b: TypedMetadata | null): boolean {
  return changedKeys(a, b).length === 0;
}

function scalarText(s: TypedScalar): string {
  if (s.kind === 'float') return Number.isInteger(s.value) ? s.value.toFixed(1) : String(s.value);
  if (s.kind === 'int') return s.value.toString();
  return JSON.stringify(s.value);
}

/** Metadata as JSON text that keeps its types (floats with a decimal point, ints exact). */
export function typedMetadataText(m: TypedMetadata | null): string {
  if (!m || m.size === 0) return '{}';
  const parts = [...m].sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${v.kind === 'array' ? `[${v.items.map(scalarText).join(',')}]` : scalarText(v)}`);
  return `{${parts.join(',')}}`;
}
