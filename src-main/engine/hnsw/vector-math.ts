/**
 * float32 arithmetic as hnswlib and Chroma do it. Every intermediate goes through Math.fround so
 * results match a C++ float loop; SIMD/fast-math builds reorder the sums, so compare with Chroma
 * at ~1e-6 relative, never bit for bit (docs/format.md §6.6).
 */

import type { Space } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';

const f = Math.fround;
/** Epsilons as float32 literals, as written in the fork (stored data) and in Rust (queries). */
const STORE_EPS = f(1e-30);
const QUERY_EPS = f(1e-32);

export type VectorLike = Float32Array | readonly number[];

function sumSquares(x: VectorLike): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s = f(s + f(x[i]! * x[i]!));
  return s;
}

/** sqrtf(Σx²): the value the fork stores in length.bin. */
export function norm32(x: VectorLike): number {
  return f(Math.sqrt(sumSquares(x)));
}

/** How the fork normalises vectors it stores: x × (1 / (‖x‖ + 1e-30)). */
export function normalizeForStorage(x: VectorLike): Float32Array {
  const scale = f(1 / f(norm32(x) + STORE_EPS));
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]! * scale);
  return out;
}

/** How Rust normalises a cosine query: x / (‖x‖ + 1e-32). */
export function normalizeQuery(x: VectorLike): Float32Array {
  const denom = f(norm32(x) + QUERY_EPS);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]! / denom);
  return out;
}

/** Squared L2, no sqrt (hnswlib L2Sqr). */
export function l2Squared(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = f(a[i]! - b[i]!);
    s = f(s + f(d * d));
  }
  return s;
}

/** 1 − a·b (hnswlib InnerProductDistance). Cosine uses it on unit vectors. */
export function ipDistance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s = f(s + f(a[i]! * b[i]!));
  return f(1 - s);
}

export function distanceFn(space: Space): (a: Float32Array, b: Float32Array) => number {
  return space === 'l2' ? l2Squared : ipDistance;
}

/** Chroma's order for results: ascending distance, ties by ascending label (insertion order). */
export function compareHits(a: { label: number; distance: number }, b: { label: number; distance: number }): number {
  return a.distance - b.distance || a.label - b.label;
}

export function checkQueryDimension(query: { length: number }, dim: number): void {
  if (query.length !== dim) {
    // Same wording as Chroma, so users recognise it.
    throw new InspectorError('DIMENSION_MISMATCH', `Collection expecting embedding with dimension of ${dim}, got ${query.length}`, {
      expected: dim,
      got: query.length,
    });
  }
}
