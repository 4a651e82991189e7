import type { Space } from '../../shared/models.js';

/**
 * A distance in one of Chroma's spaces, in float64 and written independently of the engine (the
 * oracle of brute-force tests): squared l2, 1 − dot for ip, 1 − cosine similarity for cosine.
 */
export function bruteDistance(space: Space, a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  let l2 = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
    l2 += (a[i]! - b[i]!) ** 2;
  }
  if (space === 'l2') return l2;
  if (space === 'ip') return 1 - dot;
  return 1 - dot / Math.sqrt(aa * bb);
}
