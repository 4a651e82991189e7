import type { Problem, QueryResult } from '../../../shared/models.js';
import type { SearchHit } from '../hnsw/vector-index.js';
import { InspectorError } from '../../../shared/errors.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import type { QuerySpec } from './validate-args.js';
import { matchingInternalIds, runGet, tailMatches } from './run-get.js';
import type { IdBitset } from '../filter/id-bitset.js';
import type { Steps } from '../util/steps.js';
import { toDistance, toNumberArray, visibleMetadata } from './format-results.js';
import { searchVectors } from '../collection/vector-search.js';
import { checkFiltersIndexed } from '../filter/indexed-filters.js';
import type { SearchOptions, VectorState } from '../collection/vector-state.js';
import { checkVectorCoverage, type CoverageOptions } from '../collection/vector-coverage.js';
import { matchIdsSteps } from '../collection/record-labels.js';

/**
 * Chroma's query (docs/format.md §7.3): the allowed set from ids/where/where_document, then a
 * k-nearest search per query vector, then documents and metadata for the hits. `opts.exact`
 * replaces Chroma's graph search by brute force, to show what the index misses.
 */
export function runQuery(reader: CollectionReader, spec: QuerySpec, opts: SearchOptions & CoverageOptions = {}): QueryResult {
  const include = [...spec.include];
  const empty = (): QueryResult => ({
    ids: spec.embeddings.map(() => []),
    documents: spec.embeddings.map(() => []),
    metadatas: spec.embeddings.map(() => []),
    embeddings: spec.embeddings.map(() => []),
    distances: spec.embeddings.map(() => []),
    uris: spec.embeddings.map(() => []),
    include,
  });
  const dim = reader.dimension;
  for (const q of spec.embeddings) {
    if (dim !== null && q.length !== dim) {
      throw new InspectorError('DIMENSION_MISMATCH', `Collection expecting embedding with dimension of ${dim}, got ${q.length}`, {
        expected: dim,
        got: q.length,
      });
    }
  }
  // nResults 0 (which the client lets through) finds nothing; Chroma answers one empty list per vector.
  if (dim === null || spec.nResults === 0) return empty();
  checkFiltersIndexed(reader.catalog.schemaJson, spec.where, spec.whereDocument);
  const answered = firstQueryFromFiles(reader, spec, opts) ?? loadedQuery(reader, spec, opts);
  if (!answered) return empty();
  const { hits, vectors, warnings } = answered;
  const withWarnings = (r: QueryResult): QueryResult => (warnings.length > 0 ? { ...r, warnings } : r);
  const result = empty();
  const wantContents = include.includes('documents') || include.includes('metadatas') || include.includes('uris');
  let contentsById = new Map<string, { metadata: ReturnType<typeof visibleMetadata>; document: string | null; uri: string | null }>();
  if (wantContents) {
    const uniqueIds = [...new Set(hits.flat().map((h) => vectors.idOf(h.label)!))];
    contentsById = loadContentsByUserId(reader, uniqueIds);
  }
  hits.forEach((list, qi) => {
    for (const h of list) {
      const id = vectors.idOf(h.label)!;
      result.ids[qi]!.push(id);
      result.distances[qi]!.push(toDistance(h.distance));
      if (include.includes('embeddings')) result.embeddings[qi]!.push(toNumberArray(vectors.original(h.label)!));
      const c = contentsById.get(id);
      if (include.includes('documents')) result.documents[qi]!.push(c?.document ?? null);
      if (include.includes('metadatas')) result.metadatas[qi]!.push(c?.metadata ?? null);
      if (include.includes('uris')) result.uris[qi]!.push(c?.uri ?? null);
    }
  });
  return withWarnings(result);
}

/** Where a query's hits came from: their ids and vectors, and the warnings the answer carries. */
interface Answered {
  hits: SearchHit[][];
  vectors: Pick<VectorState, 'idOf' | 'original'>;
  warnings: Problem[];
}

/** A plain k-nearest search: the kind a collection's first query answers from its files. */
function plainSearch(spec: QuerySpec, opts: SearchOptions): boolean {
  return !spec.ids && !spec.where && !spec.whereDocument && !opts.exact && opts.efSearch === undefined;
}

/** Whether runQuery would search this query's collection: it does not refuse it, or answer it empty, first. */
export function querySearches(reader: CollectionReader, spec: QuerySpec): boolean {
  const dim = reader.dimension;
  if (dim === null || spec.nResults === 0 || !spec.embeddings.every((q) => q.length === dim)) return false;
  try {
    checkFiltersIndexed(reader.catalog.schemaJson, spec.where, spec.whereDocument);
  } catch {
    return false;
  }
  return true;
}

/** Whether runQuery would offer this query to the files (firstQueryFromFiles): a plain search it does not refuse or answer empty first. */
export function searchesFromFiles(reader: CollectionReader, spec: QuerySpec, opts: SearchOptions): boolean {
  return plainSearch(spec, opts) && querySearches(reader, spec);
}

/**
 * A collection's first query, when it is a plain k-nearest search: answered from the checked
 * checkpoint's files (unloaded-vectors.ts), with no vector load. Null otherwise.
 */
function firstQueryFromFiles(reader: CollectionReader, spec: QuerySpec, opts: SearchOptions): Answered | null {
  if (!plainSearch(spec, opts)) return null;
  const unloaded = reader.takeUnloadedVectors();
  if (!unloaded) return null;
  const hits: SearchHit[][] = [];
  try {
    for (const q of spec.embeddings) {
      const list = unloaded.search(q, spec.nResults);
      if (!list) return null;
      hits.push(list);
    }
  } finally {
    unloaded.searched();
  }
  reader.prepareVectorLoad(unloaded.loadPlan());
  return { hits, vectors: unloaded, warnings: [] };
}

/** The search over the loaded vectors (VectorState); null when the allowed set is empty. */
function loadedQuery(reader: CollectionReader, spec: QuerySpec, opts: SearchOptions & CoverageOptions): Answered | null {
  const vectors = reader.vectors({ forQuery: true });
  // Records without a usable vector would be silently left out: fail, or (allowPartial) say so.
  const warnings = checkVectorCoverage(reader, opts);
  const allowed = allowedLabels(reader, vectors, spec, opts.allowPartial === true && warnings.length > 0);
  if (allowed?.size === 0) return warnings.length > 0 ? { hits: spec.embeddings.map(() => []), vectors, warnings } : null;
  return { hits: spec.embeddings.map((q) => searchVectors(vectors, q, spec.nResults, allowed, opts)), vectors, warnings };
}

/**
 * The labels a query may return (null: every vector): the records `ids` names, or those `where`
 * and `whereDocument` match, WAL tail included. A record without a vector fails the query
 * (INTERNAL_ID_NOT_FOUND, as Chroma) unless `skipMissing` (its absence is already a warning).
 */
export function allowedLabels(reader: CollectionReader, vectors: VectorState, spec: Pick<QuerySpec, 'ids' | 'where' | 'whereDocument'>, skipMissing: boolean): ReadonlySet<number> | null {
  if (!spec.ids && !spec.where && !spec.whereDocument) return null;
  // Found ahead of the call (allowedAheadSteps), for these filters over these vectors.
  const ahead = reader.takeAllowedAhead(spec, vectors);
  if (ahead) return ahead;
  const allowed = new Set<number>();
  const notFound = (id: string) => new InspectorError('INTERNAL_ID_NOT_FOUND', `Error finding id ${id}: the record has no vector in the index`, { id });
  const addId = (id: string) => {
    const label = vectors.idToLabel.get(id);
    if (label === undefined && skipMissing) return;
    if (label === undefined) throw notFound(id);
    allowed.add(label);
  };
  if (spec.where || spec.whereDocument) {
    const { internalIds, walMatches } = matchingInternalIds(reader, spec);
    const labelOf = reader.recordLabels().of(internalIds);
    for (const iid of internalIds) {
      const label = labelOf.get(iid);
      if (label === undefined && skipMissing) continue;
      if (label === undefined) throw notFound(reader.userIdOf(iid));
      allowed.add(label);
    }
    for (const r of walMatches) addId(r.id);
  } else {
    for (const id of spec.ids!) addId(id);
  }
  return allowed;
}

/** Allowed labels added per step ahead of a query. */
const ALLOWED_PER_STEP = 16_384;

/**
 * allowedLabels for a filter (no `ids`) as steps, ahead of the query, from its matches
 * (`matches`, the filter evaluated ahead) and the labels RecordLabels prepared for them. Null
 * when that is not all there, or a match has no vector: the query then finds them itself, and
 * reports what it must.
 */
export function* allowedAheadSteps(
  reader: CollectionReader,
  vectors: VectorState,
  spec: Pick<QuerySpec, 'ids' | 'where' | 'whereDocument'>,
  matches: IdBitset,
  inSnapshot: <T>(fn: () => T) => T,
): Steps<Set<number> | null> {
  if (spec.ids || (!spec.where && !spec.whereDocument)) return null;
  const internalIds = yield* matchIdsSteps(matches);
  const labelOf = reader.recordLabels().ready(internalIds);
  if (!labelOf) return null;
  const allowed = new Set<number>();
  for (let i = 0; i < internalIds.length; i++) {
    if (i % ALLOWED_PER_STEP === ALLOWED_PER_STEP - 1) yield;
    const label = labelOf.get(internalIds[i]!);
    if (label === undefined) return null;
    allowed.add(label);
  }
  for (const r of inSnapshot(() => tailMatches(reader, spec, (a, b) => a.internalId - b.internalId))) {
    const label = vectors.idToLabel.get(r.id);
    if (label === undefined) return null;
    allowed.add(label);
  }
  return allowed;
}

function loadContentsByUserId(reader: CollectionReader, ids: string[]) {
  const out = new Map<string, { metadata: ReturnType<typeof visibleMetadata>; document: string | null; uri: string | null }>();
  if (ids.length === 0) return out;
  const got = runGet(reader, { ids, where: null, whereDocument: null, limit: null, offset: 0, include: [] }, { withContents: true });
  for (const r of got.records) out.set(r.id, { metadata: visibleMetadata(r.metadata, r.uri), document: r.document, uri: r.uri });
  return out;
}
