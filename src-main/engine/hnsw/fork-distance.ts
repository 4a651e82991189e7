import type { Space } from '../../../shared/models.js';

/**
 * The distance Chroma's hnswlib fork computes inside its graph search, reproduced in float32
 * (docs/format.md §10.6). The fork is built -Ofast with SSE on x86-64 and picks its kernel by
 * dimension: a 4-lane accumulator over the first `simd` elements (lane j sums elements j, j+4, …
 * in order; the 16-wide kernel is four 4-wide steps into the same accumulator, so both orders are
 * the same), the lanes added 0+1+2+3, then a plain loop over the tail added to that. Matching the
 * summation order — not just float32 — is what makes distances, and therefore ties and the
 * graph's choices between near-equal candidates, agree with Chroma's.
 */

const f = Math.fround;

/** Distance from a query (index form) to the vector at `base` in `data`. */
export type ForkDistance = (query: Float32Array, data: Float32Array, base: number) => number;

/** How many leading elements the fork's SIMD kernel covers for a dimension (the rest is scalar). */
export function simdSpan(dim: number): number {
  if (dim % 16 === 0 || dim % 4 === 0) return dim;
  if (dim > 16) return dim - (dim % 16);
  if (dim > 4) return dim - (dim % 4);
  return 0;
}

export function forkDistance(space: Space, dim: number): ForkDistance {
  const simd = simdSpan(dim);
  if (space === 'l2') {
    return (q, data, base) => {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let i = 0; i < simd; i += 4) {
        const p = base + i;
        const d0 = f(q[i]! - data[p]!);
        const d1 = f(q[i + 1]! - data[p + 1]!);
        const d2 = f(q[i + 2]! - data[p + 2]!);
        const d3 = f(q[i + 3]! - data[p + 3]!);
        a0 = f(a0 + f(d0 * d0));
        a1 = f(a1 + f(d1 * d1));
        a2 = f(a2 + f(d2 * d2));
        a3 = f(a3 + f(d3 * d3));
      }
      const head = f(f(f(a0 + a1) + a2) + a3);
      if (simd === dim) return head;
      let tail = 0;
      for (let i = simd; i < dim; i++) {
        const d = f(q[i]! - data[base + i]!);
        tail = f(tail + f(d * d));
      }
      return simd === 0 ? tail : f(head + tail);
    };
  }
  // ip and cosine (unit vectors in the ip space): 1 − Σ a·b.
  return (q, data, base) => {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let i = 0; i < simd; i += 4) {
      const p = base + i;
      a0 = f(a0 + f(q[i]! * data[p]!));
      a1 = f(a1 + f(q[i + 1]! * data[p + 1]!));
      a2 = f(a2 + f(q[i + 2]! * data[p + 2]!));
      a3 = f(a3 + f(q[i + 3]! * data[p + 3]!));
    }
    const head = f(f(f(a0 + a1) + a2) + a3);
    if (simd === dim) return f(1 - head);
    let tail = 0;
    for (let i = simd; i < dim; i++) tail = f(tail + f(q[i]! * data[base + i]!));
    return f(1 - (simd === 0 ? tail : f(head + tail)));
  };
}

/**
 * The distance a hit is ranked by, or null when it must not be ranked. A stored NaN/Infinity
 * component makes the distance meaningless: such a vector is never ranked (it is reported when
 * loaded). A finite vector whose distance overflowed float32 against a huge query is ranked as
 * Chroma ranks it — −∞ first, +∞ (and NaN, from ∞ − ∞) last — and reported without a number.
 */
export function rankedDistance(d: number, data: Float32Array, base: number, dim: number): number | null {
  if (Number.isFinite(d)) return d;
  for (let i = 0; i < dim; i++) if (!Number.isFinite(data[base + i]!)) return null;
  return Number.isNaN(d) ? Infinity : d;
}
