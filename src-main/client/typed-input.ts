import { invalidArgument } from '../../shared/errors.js';
import type { TypedMetadata, TypedScalar, TypedValue } from '../engine/util/typed-value.js';
import { isSparseVector } from '../engine/validation/record-rules.js';
import type { Metadata } from './types.js';

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/**
 * A JS number as Chroma types it after the chromadb client sent it: the client JSON-encodes the
 * number, and serde reads an integer literal that fits i64 as an int, anything else as a float.
 * So `2` and `2.0` are ints, `2.5` and `1e21` floats.
 */
export function typedNumber(n: number | bigint): TypedScalar {
  if (typeof n === 'bigint') {
    if (n >= I64_MIN && n <= I64_MAX) return { kind: 'int', value: n };
    return { kind: 'float', value: Number(n) };
  }
  const text = JSON.stringify(n);
  if (/^-?\d+$/.test(text)) {
    const big = BigInt(text);
    if (big >= I64_MIN && big <= I64_MAX) return { kind: 'int', value: big };
  }
  return { kind: 'float', value: n };
}

function typedScalar(v: unknown): TypedScalar | null {
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (typeof v === 'boolean') return { kind: 'bool', value: v };
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'bigint') return typedNumber(v);
  return null;
}

/**
 * Record metadata as Chroma receives it from the chromadb client: null/undefined values are
 * dropped by the client (so they never delete a key), NaN and ±Infinity travel as JSON null
 * (which does delete the key on update), arrays of numbers become float arrays when any element
 * is a float.
 */
export function toTypedRecordMetadata(md: Metadata | null | undefined): Map<string, TypedValue | null> | null {
  if (md === null || md === undefined) return null;
  const out = new Map<string, TypedValue | null>();
  for (const [key, v] of Object.entries(md)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'number' && !Number.isFinite(v)) {
      out.set(key, null);
      continue;
    }
    if (isSparseVector(v)) throw invalidArgument('Sparse vector is not supported for local chroma');
    if (Array.isArray(v)) {
      const items = (v as unknown[]).map(typedScalar);
      if (items.some((x) => x === null)) throw invalidArgument(`Metadata list value for key '${key}' holds an unsupported value`);
      let scalars = items as TypedScalar[];
      const kinds = new Set(scalars.map((s) => s.kind));
      let elementKind = scalars[0]!.kind;
      if (kinds.size > 1) {
        if (![...kinds].every((k) => k === 'int' || k === 'float')) throw invalidArgument(`Metadata list value for key '${key}' mixes types`);
        elementKind = 'float';
        scalars = scalars.map((s) => (s.kind === 'int' ? { kind: 'float', value: Number(s.value) } : s));
      }
      out.set(key, { kind: 'array', elementKind, items: scalars });
      continue;
    }
    const s = typedScalar(v);
    if (!s) throw invalidArgument(`Metadata value for key '${key}' is not supported`);
    out.set(key, s);
  }
  return out;
}

/** Collection metadata: nulls dropped, no arrays (Chroma's sysdb tables cannot hold them). */
export function toTypedCollectionMetadata(md: Metadata | null | undefined): TypedMetadata | null {
  const typed = toTypedRecordMetadata(md);
  if (!typed) return null;
  const out: TypedMetadata = new Map();
  for (const [k, v] of typed) if (v !== null) out.set(k, v);
  return out;
}

/** Rust core's key rule (validators.rs): keys must be non-empty and not start with `#` or `$`. */
export function badMetadataKey(md: Metadata | null | undefined): string | null {
  for (const key of Object.keys(md ?? {})) {
    if (key === '') return 'Metadata key cannot be empty';
    if (key.startsWith('#') || key.startsWith('$')) return `Metadata key cannot start with '#' or '$': ${key}`;
  }
  return null;
}

/** chromadb sends embeddings as base64 float32: each number is rounded to float32 exactly like this. */
export const toFloat32 = (embedding: readonly number[]): Float32Array => Float32Array.from(embedding as number[]);
