import type { GetResult } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import { runGet, type MatchedRecord } from './run-get.js';
import type { Steps } from '../util/steps.js';
import { checkFiltersIndexed } from '../filter/indexed-filters.js';
import { checkVectorCoverage, vectorCoverage } from '../collection/vector-coverage.js';
import { toNumberArray, visibleMetadata } from './format-results.js';
import type { GetSpec } from './validate-args.js';
import { FileGraphDamage } from '../hnsw/file-graph.js';

/** A get returning embeddings of at most this many records reads them from the checkpoint's files while the vectors are not loaded (vectorsFromFiles). */
export const EMBEDDINGS_FROM_FILES_UP_TO = 1_000;

/** Whether a get returns the embeddings of at most EMBEDDINGS_FROM_FILES_UP_TO records. */
export function fewEmbeddings(spec: Pick<GetSpec, 'include' | 'ids' | 'limit'>): boolean {
  if (!spec.include.includes('embeddings')) return false;
  return (spec.ids !== null && spec.ids.length <= EMBEDDINGS_FROM_FILES_UP_TO) || (spec.limit !== null && spec.limit <= EMBEDDINGS_FROM_FILES_UP_TO);
}

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
  const fromFiles = include.includes('embeddings') ? vectorsFromFiles(reader, out.records) : null;
  const vectors = include.includes('embeddings') && !fromFiles ? reader.vectors() : null;
  for (const [i, r] of out.records.entries()) {
    result.ids.push(r.id);
    if (include.includes('documents')) result.documents.push(r.document);
    if (include.includes('metadatas')) result.metadatas.push(r.shown !== undefined ? r.shown : visibleMetadata(r.metadata, r.uri));
    if (include.includes('uris')) result.uris.push(r.uri);
    if (fromFiles) result.embeddings.push(toNumberArray(fromFiles[i]!));
    else if (vectors && r.shownEmbedding) result.embeddings.push(r.shownEmbedding);
    else if (vectors) {
      const vec = loadedVector(vectors, r.id);
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

/** A record's vector as a get returns it, from the loaded vectors; undefined when they hold none for it. */
function loadedVector(vectors: ReturnType<CollectionReader['vectors']>, id: string): Float32Array | undefined {
  const label = vectors.idToLabel.get(id);
  return label === undefined ? undefined : vectors.original(label);
}

/** Records whose embeddings shownEmbeddingsSteps converts a step (~15 ms of 128-d vectors). */
const EMBEDDINGS_PER_STEP = 500;

/**
 * The embeddings of a get's page read ahead (calls-ahead.ts getAhead), converted to the answer's
 * form in steps: ~25 µs a 128-d vector, so a get of 10,000 held its call ~250 ms. Only while the
 * vectors are loaded; a record without a vector is left to the call, which names what is missing.
 */
export function* shownEmbeddingsSteps(reader: CollectionReader, records: readonly MatchedRecord[], perStep = EMBEDDINGS_PER_STEP): Steps<void> {
  for (let from = 0; from < records.length; from += perStep) {
    if (from > 0) yield;
    if (reader.isRetired || !reader.vectorsLoaded) return;
    const vectors = reader.vectors();
    for (let i = from; i < Math.min(records.length, from + perStep); i++) {
      const r = records[i]!;
      const vec = loadedVector(vectors, r.id);
      if (vec) r.shownEmbedding = toNumberArray(vec);
    }
  }
}

/**
 * The records' vectors read from the checkpoint's files (CollectionReader.filesForGets, opened
 * ahead of a get of a few embeddings), or null when the vector load must answer: there are more
 * records than that, the files are not open for gets, or a record has no vector there (the load
 * then names what is missing) or the files changed under the read.
 */
function vectorsFromFiles(reader: CollectionReader, records: readonly { id: string }[]): Float32Array[] | null {
  const files = records.length <= EMBEDDINGS_FROM_FILES_UP_TO ? reader.filesForGets() : null;
  if (!files) return null;
  try {
    return files.reading(() => {
      const out: Float32Array[] = [];
      for (const r of records) {
        const label = files.labelOf(r.id);
        const vec = label === undefined ? undefined : files.original(label);
        if (!vec) return null;
        out.push(vec);
      }
      return out;
    });
  } catch (err) {
    // The files changed or went under the read: the load reads them again, and reports what it finds.
    if (err instanceof FileGraphDamage || (err as NodeJS.ErrnoException).code !== undefined) return null;
    throw err;
  }
}
