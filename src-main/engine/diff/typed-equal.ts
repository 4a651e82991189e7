import { sameTypedValue, typedScalarJson, type TypedMetadata } from '../util/typed-value.js';

/** The keys whose value differs, was added or was removed (the `chroma:` keys included), types included. */
export function changedKeys(a: TypedMetadata | null, b: TypedMetadata | null): string[] {
  const keys = new Set([...(a?.keys() ?? []), ...(b?.keys() ?? [])]);
  return [...keys]
    .filter((k) => {
      const [x, y] = [a?.get(k), b?.get(k)];
      return x === undefined || y === undefined ? x !== y : !sameTypedValue(x, y);
    })
    .sort();
}

export function sameTypedMetadata(a: TypedMetadata | null, b: TypedMetadata | null): boolean {
  return changedKeys(a, b).length === 0;
}

/** Metadata as JSON text that keeps its types (floats with a decimal point, ints exact). */
export function typedMetadataText(m: TypedMetadata | null): string {
  if (!m || m.size === 0) return '{}';
  const parts = [...m].sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${v.kind === 'array' ? `[${v.items.map(typedScalarJson).join(',')}]` : typedScalarJson(v)}`);
  return `{${parts.join(',')}}`;
}
