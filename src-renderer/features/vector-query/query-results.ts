import type { QueryResult, RecordRow } from '../../../shared/models.js';

/** The first query's results (Chroma's column-wise shape) → one row per neighbour. */
export function queryRows(result: QueryResult): RecordRow[] {
  const ids = result.ids[0] ?? [];
  return ids.map((id, i) => ({
    id,
    internalId: 0,
    document: result.documents[0]?.[i] ?? null,
    uri: result.uris?.[0]?.[i] ?? null,
    metadata: result.metadatas[0]?.[i] ?? null,
    embedding: result.embeddings?.[0]?.[i] ?? null,
    distance: result.distances[0]?.[i],
  }));
}
