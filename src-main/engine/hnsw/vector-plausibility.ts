import type { Space } from '../../../shared/models.js';
import { chunkViews } from './level0-scan.js';

/** The bounds a stored vector must keep to be what Chroma wrote (docs/format.md §6.9). */
export interface PlausibilityBounds {
  /**
   * A bound no real embedding's component reaches; a flipped high exponent bit lands beyond it.
   * There is no lower bound on components: real folders hold components like -1.7e-36 (a
   * Python-era corpus folder), and a false alarm would refuse queries on a sound folder.
   */
  max: number;
  /** A non-zero vector's norm below this is damage (its components would all be denormal). */
  minNorm: number;
  /** A stored cosine vector is x·(1/(|x|+1e-30)) in float32: unit length within ~2e-7 (observed), so 10× that. */
  unitTolerance: number;
}

export const PLAUSIBLE: PlausibilityBounds = { max: 1e18, minNorm: 1e-35, unitTolerance: 2e-6 };

/**
 * NaN or Infinity can come from the data itself (Chroma stores what it was given), so such a
 * vector is kept, never ranked (vector-slab.ts), and reported as a warning rather than damage.
 */
export const NON_FINITE = 'non-finite';

/**
 * Why a stored vector cannot be what Chroma wrote, or null. For cosine the stored vector is
 * unit-normalised, which makes most damage to it (and to its norm in length.bin) visible.
 */
export function implausibleVector(buf: Buffer, offset: number, dim: number, space: Space, norm: number | null): string | null {
  const floats = offset % 4 === 0 ? chunkViews(buf)?.floats : undefined;
  const at = floats ? offset >> 2 : -1;
  if (floats && quickPlausible(floats, at, dim, space === 'cosine', norm, PLAUSIBLE)) return null;
  let sum = 0;
  for (let i = 0; i < dim; i++) {
    const v = at >= 0 ? floats![at + i]! : buf.readFloatLE(offset + i * 4);
    if (!Number.isFinite(v)) return NON_FINITE;
    if (Math.abs(v) > PLAUSIBLE.max) return `component ${i} is ${v}`;
    sum += v * v;
  }
  if (space !== 'cosine') return null;
  const len = Math.sqrt(sum);
  if (sum !== 0 && Math.abs(len - 1) > PLAUSIBLE.unitTolerance) return `stored cosine vector has length ${len}, not 1`;
  if (norm !== null) {
    if (!Number.isFinite(norm) || norm < 0 || norm > PLAUSIBLE.max) return `norm ${norm} in length.bin`;
    if (sum !== 0 && norm < PLAUSIBLE.minNorm) return `norm ${norm} in length.bin for a non-zero vector`;
  }
  return null;
}

/**
 * A quick yes for the common case, exactly when implausibleVector would answer null, or false
 * (then its ordered loop decides and names the cause). Four independent sums let the CPU overlap
 * the additions (one chain waits ~4 cycles per component); NaN or ±Infinity makes them
 * non-finite, and a component beyond `b.max` makes their total exceed b.max². Their total differs
 * from the ordered sum only in rounding (~1e-16 relative), so only answers with a wide margin from
 * every bound are taken.
 *
 * Self-contained (it uses nothing but its arguments): the level-0 pre-scan sends its source text
 * to a worker thread (level0-prescan.ts).
 */
export function quickPlausible(floats: Float32Array, at: number, dim: number, cosine: boolean, norm: number | null, b: PlausibilityBounds): boolean {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const end = at + dim;
  let i = at;
  for (; i + 3 < end; i += 4) {
    const a0 = floats[i]!;
    const a1 = floats[i + 1]!;
    const a2 = floats[i + 2]!;
    const a3 = floats[i + 3]!;
    s0 += a0 * a0;
    s1 += a1 * a1;
    s2 += a2 * a2;
    s3 += a3 * a3;
  }
  for (; i < end; i++) s0 += floats[i]! * floats[i]!;
  const sum = s0 + s1 + s2 + s3;
  if (!(sum <= b.max * b.max * 0.5)) return false;
  if (!cosine) return true;
  if (sum === 0) return norm === null || (norm >= 0 && norm <= b.max);
  if (Math.abs(Math.sqrt(sum) - 1) > b.unitTolerance * 0.5) return false;
  return norm === null || (norm >= b.minNorm && norm <= b.max);
}
