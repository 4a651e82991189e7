import type { Space } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import type { CheckpointResult } from './checkpoint.js';
import { checkQueryDimension, compareHits, distanceFn, normalizeForStorage, normalizeQuery, type VectorLike } from './vector-math.js';

export { HnswlibIndex, type HnswlibOptions } from './hnswlib-index.js';
export { checkQueryDimension } from './vector-math.js';

export interface SearchHit {
  label: number;
  /** float32 value as a JS number: squared L2, or 1 − dot (ip, cosine). */
  distance: number;
}

/** What the query engine needs from a vector index, whichever implementation answers. */
export interface VectorIndex {
  /** Ascending by distance, ties by ascending label; at most `k`, fewer when `allowed` excludes items. */
  search(query: Float32Array, k: number, allowed?: (label: number) => boolean): SearchHit[];
  /** Live (searchable) elements. */
  size(): number;
}

/**
 * Exact search over every live vector. Used for small or heavily-filtered collections, like
 * Chroma's own brute-force fallback, and as the reference the HNSW results are checked against.
 * Vectors are held in index form (unit-normalised for cosine) so distances match hnswlib's.
 */
export class BruteForceIndex implements VectorIndex {
  private readonly vectors = new Map<number, Float32Array>();
  private readonly distance: (a: Float32Array, b: Float32Array) => number;

  constructor(
    readonly space: Space,
    readonly dim: number,
  ) {
    this.distance = distanceFn(space);
  }

  /** Seeds from a usable checkpoint with its stored vectors (no re-normalisation drift for cosine). */
  static fromCheckpoint(checkpoint: CheckpointResult, space: Space): BruteForceIndex {
    if (!checkpoint.usable || !checkpoint.header) {
      throw new InspectorError('INTERNAL', 'BruteForceIndex.fromCheckpoint needs a usable checkpoint');
    }
    const index = new BruteForceIndex(space, checkpoint.header.dim);
    for (const [label, stored] of checkpoint.storedVectors) index.setStored(label, stored);
    return index;
  }

  /** Adds or replaces with an original vector; cosine vectors are normalised the way the fork stores them. */
  upsert(label: number, vector: VectorLike): void {
    checkQueryDimension(vector, this.dim);
    this.vectors.set(label, this.space === 'cosine' ? normalizeForStorage(vector) : Float32Array.from(vector));
  }

  /** Adds a vector already in index form. */
  setStored(label: number, stored: Float32Array): void {
    checkQueryDimension(stored, this.dim);
    this.vectors.set(label, stored);
  }

  delete(label: number): boolean {
    return this.vectors.delete(label);
  }

  has(label: number): boolean {
    return this.vectors.has(label);
  }

  size(): number {
    return this.vectors.size;
  }

  search(query: Float32Array, k: number, allowed?: (label: number) => boolean): SearchHit[] {
    checkQueryDimension(query, this.dim);
    const limit = Math.min(Math.max(0, Math.floor(k)), this.vectors.size);
    if (limit === 0) return [];
    const q = this.space === 'cosine' ? normalizeQuery(query) : Float32Array.from(query);
    const hits: SearchHit[] = [];
    for (const [label, v] of this.vectors) {
      if (allowed && !allowed(label)) continue;
      hits.push({ label, distance: this.distance(q, v) });
    }
    // A full sort is O(n log n); fine at brute-force sizes. A bounded heap would be the next step.
    hits.sort(compareHits);
    return hits.length > limit ? hits.slice(0, limit) : hits;
  }
}
