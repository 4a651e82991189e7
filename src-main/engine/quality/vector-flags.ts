import type { Space, VectorFlag } from '../../../shared/models.js';
import type { VectorState } from '../collection/vector-state.js';
import type { Steps } from '../util/steps.js';
import { nthSmallest } from '../util/nth-smallest.js';
import { DuplicateFinder } from './duplicate-finder.js';

/** Ids listed per flag: enough to look at, never the whole collection. */
const SAMPLE = 10;
/** A value this many robust deviations (MAD × 1.4826) from the median is out of distribution. */
const OUTLIER_Z = 6;

/** Vectors checked per step (util/steps.ts): a few ms at 128 dimensions. */
const VECTORS_PER_STEP = 8192;

/**
 * What in a collection's vectors makes search answers surprising (docs/recall-lab.md): exact
 * duplicates, zero and non-finite vectors, vectors far outside the rest (by length, and by
 * distance to the centroid in the collection's space), and WAL vectors of another dimension.
 * One pass over the live vectors as Chroma would search them, as steps (util/steps.ts), a pause
 * every VECTORS_PER_STEP vectors. Memory stays a few bytes a
 * vector: duplicates are found through a table of hashes of their bytes (equal bytes confirmed),
 * medians by selection over typed arrays.
 */
export function* vectorFlagsSteps(vectors: VectorState, space: Space): Steps<VectorFlag[]> {
  const flags: VectorFlag[] = [];
  const dim = vectors.slab.dim;
  const live = vectors.slab.size;
  const duplicates = new DuplicateFinder(live);
  const zero: number[] = [];
  const nonFinite: number[] = [];
  const labels = new Float64Array(live);
  const norms = new Float64Array(live);
  let n = 0;
  const centroid = new Float64Array(dim);
  let seen = 0;
  // By label, not slab order (VectorSlab.labelsAscending): the centroid's sums and the order of
  // equal outliers are then the same in any build of the same records.
  for (const label of vectors.slab.labelsAscending()) {
    if (++seen % VECTORS_PER_STEP === 0) yield;
    const original = vectors.original(label) ?? vectors.slab.stored(label)!;
    let sq = 0;
    let finite = true;
    for (let i = 0; i < dim; i++) {
      const v = original[i]!;
      if (!Number.isFinite(v)) finite = false;
      sq += v * v;
    }
    if (!finite) {
      nonFinite.push(label);
      continue;
    }
    duplicates.add(label, original, (l) => vectors.original(l) ?? vectors.slab.stored(l)!);
    if (sq === 0) zero.push(label);
    labels[n] = label;
    norms[n] = Math.sqrt(sq);
    n++;
    // The centroid of what the distance compares: unit vectors for cosine, the vectors otherwise.
    const scale = space === 'cosine' && sq > 0 ? 1 / Math.sqrt(sq) : 1;
    for (let i = 0; i < dim; i++) centroid[i]! += original[i]! * scale;
  }
  const ids = (ls: ArrayLike<number>) => Array.from(ls).slice(0, SAMPLE).map((l) => vectors.idOf(l) ?? `label ${l}`);

  // In the order the records were added (a label counts up as they are), not the slab's, which
  // follows the checkpoint build's internal ids: with several insert threads, not the same twice.
  const groups = duplicates
    .groups()
    .map((g) => [...g].sort((a, b) => a - b))
    .sort((a, b) => a[0]! - b[0]!);
  zero.sort((a, b) => a - b);
  nonFinite.sort((a, b) => a - b);
  if (groups.length > 0) {
    const extra = groups.reduce((sum, g) => sum + g.length - 1, 0);
    flags.push({
      kind: 'duplicates',
      count: extra,
      ids: groups.slice(0, SAMPLE).map((g) => ids(g).join(' = ')),
      detail: `${extra} record(s) repeat another record's vector exactly (${groups.length} group(s)): they tie on every query: the results list them by label, but which of them come back when not all fit is the index's internal order (in Chroma too), and many copies crowd out other results`,
    });
  }
  if (zero.length > 0) {
    flags.push({
      kind: 'zero-norm',
      count: zero.length,
      ids: ids(zero),
      detail:
        space === 'cosine'
          ? `${zero.length} vector(s) are all zeros: cosine distance is undefined for them, and Chroma stores them unnormalised, so every query ranks them at distance 1`
          : `${zero.length} vector(s) are all zeros: usually a failed embedding call`,
    });
  }
  if (nonFinite.length > 0) {
    flags.push({ kind: 'non-finite', count: nonFinite.length, ids: ids(nonFinite), detail: `${nonFinite.length} vector(s) hold NaN or infinite components: no query can rank them` });
  }
  if (n >= 20) {
    for (let i = 0; i < dim; i++) centroid[i]! /= n;
    const far = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      if (j % VECTORS_PER_STEP === VECTORS_PER_STEP - 1) yield;
      far[j] = centroidDistance(vectors.original(labels[j]!)!, centroid, space, norms[j]!);
    }
    yield;
    outliers('outliers-distance', far, 'from the centroid', labels.subarray(0, n), ids, flags);
    yield;
    if (space !== 'cosine') outliers('outliers-norm', norms.subarray(0, n), 'in length', labels.subarray(0, n), ids, flags);
  }
  const mixed = vectors.problems.filter((p) => p.code === 'wal.dimension');
  if (mixed.length > 0) {
    flags.push({
      kind: 'mixed-dimensions',
      count: mixed.length,
      ids: mixed.slice(0, SAMPLE).map((p) => p.message),
      detail: `${mixed.length} WAL vector(s) have another dimension than the collection's ${dim}: Chroma rejects them when it applies the log, so those records have no vector`,
    });
  }
  return flags;
}

function centroidDistance(v: Float32Array, c: Float64Array, space: Space, norm: number): number {
  let dot = 0;
  let l2 = 0;
  let cc = 0;
  for (let i = 0; i < v.length; i++) {
    dot += v[i]! * c[i]!;
    l2 += (v[i]! - c[i]!) ** 2;
    cc += c[i]! * c[i]!;
  }
  if (space === 'l2') return Math.sqrt(l2);
  if (space === 'ip') return -dot;
  return norm === 0 || cc === 0 ? 1 : 1 - dot / (norm * Math.sqrt(cc));
}

/** Values more than OUTLIER_Z robust deviations above (or, for lengths, below) the median. */
function outliers(kind: 'outliers-distance' | 'outliers-norm', values: Float64Array, what: string, labels: Float64Array, ids: (ls: number[]) => string[], flags: VectorFlag[]): void {
  const median = upperMedian(values);
  const deviations = values.map((v) => Math.abs(v - median));
  const mad = upperMedian(deviations) * 1.4826;
  if (!(mad > 0)) return;
  const hits: { z: number; label: number }[] = [];
  for (let j = 0; j < values.length; j++) {
    const z = (values[j]! - median) / mad;
    if ((kind === 'outliers-norm' ? Math.abs(z) : z) > OUTLIER_Z) hits.push({ z, label: labels[j]! });
  }
  if (hits.length === 0) return;
  // Stable: equal deviations keep the order of the pass.
  hits.sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
  flags.push({
    kind,
    count: hits.length,
    ids: ids(hits.map((h) => h.label)),
    detail: `${hits.length} vector(s) lie over ${OUTLIER_Z} robust deviations from the rest ${what} (the farthest at ${Math.abs(hits[0]!.z).toFixed(1)}): often another model, a bad input or a placeholder, and they rank oddly against everything`,
  });
}

/** The element at index ⌊n/2⌋ of the values in ascending order (selection on a copy, not a sort). */
function upperMedian(values: Float64Array): number {
  return nthSmallest(Float64Array.from(values), values.length >> 1);
}
