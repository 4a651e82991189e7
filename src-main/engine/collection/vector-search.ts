import type { CollectionReader } from './collection-reader.js';
import type { VectorState } from './vector-state.js';
import type { SearchHit } from '../hnsw/vector-index.js';

/**
 * k-nearest search over a collection's visible vectors. Exact search gives the answer Chroma's
 * HNSW converges to on the collections it is exact for (and all small ones), and it never misses
 * a neighbour under restrictive filters, where Chroma's filtered HNSW walk is also exhaustive.
 */
export function searchVectors(
  reader: CollectionReader,
  vectors: VectorState,
  query: Float32Array,
  k: number,
  allowed: Set<number> | null,
): SearchHit[] {
  const dim = reader.dimension ?? query.length;
  const index = vectors.bruteForce(dim);
  return index.search(query, k, allowed ? (label) => allowed.has(label) : undefined);
}
