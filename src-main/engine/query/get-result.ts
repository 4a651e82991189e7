import type { GetResult } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import { runGet } from './run-get.js';
import { checkFiltersIndexed } from '../filter/indexed-filters.js';
import { checkVectorCoverage, vectorCoverage } from '../collection/vector-coverage.js';
import { toNumberArray, visibleMetadata } from './format-results.js';
import type { GetSpec } from './validate-args.js';

/** Whether a get returns more than ids and embeddings: documents, metadatas or uris, read with the records. */
export function getsContents(spec: Pick<GetSpec, 'include'>): boolean {
  return spec.include.some((f) => f !== 'embeddings');
}

/**
 * `get` as Chroma answers it: the matching records in order, each field filled only when
 * `include` asks for it; a record whose vector the index lacks fails the whole call, as in Chroma.
 */
export function getResult(reader: CollectionReader, spec: GetSpec): GetResult {
  checkFiltersIndexed(reader.catalog.schemaJson, spec.where, spec.whereDocument);
  const include = [...spec.include];
  const withContents = getsContents(spec);
  // Its page read ahead of it, when it was (calls-ahead.ts getAhead).
  const out = reader.pageAhead.take(spec, withContents) ?? runGet(reader, spec, { withContents });
  const result: GetResult = { ids: [], documents: [], metadatas: [], embeddings: [], uris: [], include };
  const vectors = include.includes('embeddings') ? reader.vectors() : null;
  for (const r of out.records) {
    result.ids.push(r.id);
    if (include.includes('documents')) result.documents.push(r.document);
    if (include.includes('metadatas')) result.metadatas.push(visibleMetadata(r.metadata, r.uri));
    if (include.includes('uris')) result.uris.push(r.uri);
    if (vectors) {
      const label = vectors.idToLabel.get(r.id);
      const vec = label === undefined ? undefined : vectors.original(label);
      if (!vec) {
        // Lost or damaged vectors get the specific error, naming the files and problems.
        if (vectorCoverage(reader).missing > 0) checkVectorCoverage(reader);
        throw new InspectorError('INTERNAL_ID_NOT_FOUND', `Error finding id ${r.id}: the record has no vector in the index`, { id: r.id });
      }
      result.embeddings.push(toNumberArray(vec));
    }
  }
  return result;
}
