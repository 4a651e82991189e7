import { InspectorError } from '../../../shared/errors.js';
import type { ChromaFolder } from '../../engine/chroma-folder.js';
import { DEFAULT_DATABASE, DEFAULT_TENANT } from '../../engine/catalog/read-catalog.js';
import { runGet } from '../../engine/query/run-get.js';
import { validateGetArgs } from '../../engine/query/validate-args.js';
import { userMetadata } from '../server/server-records-json.js';
import { folderCollectionSpec } from './collection-spec.js';
import type { CollectionSpec, CopyRecord, QueryHits } from './copy-types.js';

/**
 * Reads of a folder for a copy, through the read engine: typed metadata (the engine's own, so
 * 2.0 stays a float) and the stored float32 vectors. Shared by the read-only source and by the
 * target, whose reads go through its write lease.
 */

export const scopeOf = (tenant?: string, database?: string) => ({ tenant: tenant || DEFAULT_TENANT, database: database || DEFAULT_DATABASE });

export function folderCollections(folder: ChromaFolder, tenant: string, database: string): CollectionSpec[] {
  return folder.snapshot(() =>
    folder.catalog.collections
      .filter((c) => c.tenant === tenant && c.database === database)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(folderCollectionSpec),
  );
}

/** `ids`, or a page by offset/limit, in Chroma's get order. */
export function folderRecords(folder: ChromaFolder, collectionId: string, args: { ids?: readonly string[]; offset?: number; limit?: number }): CopyRecord[] {
  return folder.snapshot(() => {
    const reader = folder.collection(collectionId);
    const spec = validateGetArgs({ ...(args.ids ? { ids: [...args.ids] } : { offset: args.offset ?? 0, limit: args.limit }), include: ['documents', 'metadatas', 'uris'] });
    const got = runGet(reader, spec, { withContents: true });
    if (got.records.length === 0) return [];
    const vectors = reader.vectors();
    return got.records.map((r) => {
      const label = vectors.idToLabel.get(r.id);
      const vector = label === undefined ? undefined : vectors.original(label);
      if (!vector) {
        throw new InspectorError('VECTORS_MISSING', `${folder.dir}: record ${JSON.stringify(r.id)} of ${reader.catalog.name} has no vector in the index; run doctor on the folder`, {
          id: r.id,
          collection: reader.catalog.name,
        });
      }
      return { id: r.id, document: r.document, uri: r.uri, metadata: userMetadata(r.metadata), embedding: Float32Array.from(vector) };
    });
  });
}

export function folderPresentIds(folder: ChromaFolder, collectionId: string, ids: readonly string[]): Set<string> {
  return new Set(folder.get(collectionId, { ids: [...ids], include: [] }).ids);
}

/** Nearest neighbours through the folder's HNSW index, as Chroma answers them. */
export function folderQuery(folder: ChromaFolder, collectionId: string, embeddings: readonly Float32Array[], k: number): QueryHits[] {
  const answer = folder.query(collectionId, { queryEmbeddings: embeddings.map((e) => Array.from(e)), nResults: k, include: ['distances'] });
  return answer.ids.map((ids, q) => ({ ids, distances: answer.distances[q] ?? [] }));
}
