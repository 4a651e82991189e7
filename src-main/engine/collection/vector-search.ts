import type { VectorState } from './vector-state.js';
import type { SearchHit } from '../hnsw/vector-index.js';

/** k-nearest over a collection's visible vectors: exact where Chroma is exhaustive, HNSW on large ones. */
export function searchVectors(vectors: VectorState, query: Float32Array, k: number, allowed: Set<number> | null): SearchHit[] {
  return vectors.search(query, k, allowed);
}
