import type { SearchOptions, VectorState } from './vector-state.js';
import type { SearchHit } from '../hnsw/vector-index.js';

/** k-nearest over a collection's visible vectors: Chroma's graph search, or exact when asked (vector-state.ts). */
export function searchVectors(vectors: VectorState, query: Float32Array, k: number, allowed: ReadonlySet<number> | null, opts: SearchOptions = {}): SearchHit[] {
  return vectors.search(query, k, allowed, opts);
}
