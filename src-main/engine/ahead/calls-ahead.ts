import type { CollectionReader } from '../collection/collection-reader.js';
import type { SearchOptions } from '../collection/vector-state.js';
import type { GetSpec, QuerySpec } from '../query/validate-args.js';
import { allowedAheadSteps, querySearches, searchesFromFiles } from '../query/run-query.js';
import { checkFiltersIndexed } from '../filter/indexed-filters.js';
import { pageableContains } from '../query/contains-page.js';
import { getPageSteps, tailMatches, type MatchedRecord } from '../query/run-get.js';
import { fewEmbeddings, getsContents, shownEmbeddingsSteps } from '../query/get-result.js';
import { isCancelled } from '../util/shared-wait.js';
import { embeddingMapSteps } from '../map/embedding-map.js';
import { runStepsSliced, type SliceOptions } from '../util/steps.js';
import { nextTurn } from '../util/next-turn.js';
import { holdDeferrableWork } from '../util/idle-slices.js';
import { throwIfAborted } from '../backup/task.js';

/** Runs `fn` in one read snapshot of the folder (ChromaFolder.snapshot). */
export type InSnapshot = <T>(fn: () => T) => T;

/**
 * What an engine call would do in one piece (a vector load, a graph read, a filter's caches, a
 * map's projection), done ahead of it in slices of the thread (util/steps.ts) for a caller whose
 * thread serves others meanwhile: the embedded client, serve. Each function works on one reader;
 * ChromaFolder runs it again on the new reader when the data changes meanwhile. The call itself
 * follows and finds the work done; nothing here is needed for a correct answer, so work ahead
 * that fails leaves the call to do it, and to report what it finds.
 */

/**
 * A query: for a collection's first plain search, the checks of its checkpoint's files (a second
 * at a million vectors); for any other search (or a first one the files cannot answer), the
 * vector load and the graph; for a filter, the metadata columns and labels it would build.
 */
export async function queryAhead(reader: CollectionReader, spec: QuerySpec, opts: SearchOptions, slice: SliceOptions, inSnapshot: InSnapshot): Promise<void> {
  if (!querySearches(reader, spec)) return;
  if (searchesFromFiles(reader, spec, opts) && reader.firstQueryPending) {
    // Work no call waits for (the kept id map's compaction, queued as the checks end) waits for
    // the answer: released a turn after this, once the query that follows this call has run.
    const release = holdDeferrableWork();
    try {
      const opened = await checkThenOpenFiles(reader, slice, inSnapshot, () => reader.openFirstQueryFiles());
      // Replaced meanwhile (the data changed) or closed: nothing more for this reader.
      if (reader.isRetired) return;
      // The search that follows this call gets a turn of its own too.
      if (opened) return await nextTurn();
    } finally {
      setImmediate(release);
    }
  }
  await reader.loadVectorsAhead({ forQuery: true }, slice, inSnapshot);
  await filterAhead(reader, spec, slice, inSnapshot);
  // A filtered search's walk over the graph, for the labels just kept (walks-ahead.ts).
  if (!spec.ids && (spec.where || spec.whereDocument)) await reader.walkAhead(spec, opts, slice);
}

/** A query's filter: its caches, then the labels it allows, kept for the query (allowedAheadSteps). */
async function filterAhead(reader: CollectionReader, spec: QuerySpec, slice: SliceOptions, inSnapshot: InSnapshot): Promise<void> {
  // The same filter again over the same vectors: its allowed labels are kept, and nothing else is read.
  if (!spec.ids && reader.hasAllowedAhead(spec)) return;
  const matches = await reader.prepareFilterAhead(spec, true, slice, inSnapshot);
  if (matches && !spec.ids) await reader.keepAllowedAhead(spec, (vectors) => allowedAheadSteps(reader, vectors, spec, matches, inSnapshot), slice);
}

/** A get whose limit is at most this reads its page itself (run-get.ts): 100 records took ~1–15 ms in the call at five million. */
const CALL_READS_PAGE_UP_TO = 1_000;

/** A get: the vector load when it returns embeddings, its filter's caches, and (`page`) the page it returns. */
export async function getAhead(reader: CollectionReader, spec: GetSpec, slice: SliceOptions, inSnapshot: InSnapshot, page = true): Promise<void> {
  if (!filtersAllowed(reader, spec)) return;
  // A few records' embeddings are read from the checkpoint's files, checked as for a first query;
  // more, or files that cannot answer, need every vector loaded.
  if (spec.include.includes('embeddings') && !(fewEmbeddings(spec) && (await filesAnswerEmbeddings(reader, slice, inSnapshot)))) {
    await vectorsAhead(reader, { forQuery: false }, slice, inSnapshot);
  }
  // A get by ids reads no filter caches; a page of one `$contains` finds its few matches itself.
  if (!spec.ids) await reader.prepareFilterAhead(spec, false, slice, inSnapshot, !pagesItself(reader, spec, inSnapshot));
  // Then its page, a few hundred records a step, for the get to take (run-get.ts getPageSteps):
  // not again when one is kept for it (the same get asked at once), and not for a page that
  // cannot be large, which the get reads in a few ms (the work ahead would cost it a ms or more).
  const withContents = getsContents(spec);
  if (!page || (spec.limit !== null && spec.limit <= CALL_READS_PAGE_UP_TO) || reader.pageAhead.has(spec, withContents)) return;
  await reader.ahead(slice, async (sliced) => {
    let records: MatchedRecord[] | null;
    try {
      records = await runStepsSliced(getPageSteps(reader, spec, withContents, inSnapshot), sliced);
    } catch (err) {
      // The get reads its page itself, and reports what it finds.
      if (isCancelled(err)) throw err;
      return;
    }
    if (!records || reader.isRetired) return;
    // Its embeddings converted too, in steps: the vectors are loaded (above) for such a get.
    if (spec.include.includes('embeddings')) await runStepsSliced(shownEmbeddingsSteps(reader, records), sliced);
    if (!reader.isRetired) reader.pageAhead.keep(spec, withContents, records);
  });
}

/**
 * Whether the checkpoint's files answer a get of a few embeddings (CollectionReader.openFilesForGets):
 * checked ahead in slices as a first query's are (at five million, ~1 s against 7.6 s for the
 * vector load), while no vectors are loaded and no query has taken the checks.
 */
async function filesAnswerEmbeddings(reader: CollectionReader, slice: SliceOptions, inSnapshot: InSnapshot): Promise<boolean> {
  if (reader.vectorsLoaded || reader.dimension === null || !reader.catalog.vectorSegment) return false;
  if (reader.filesForGets()) return true;
  if (!reader.firstQueryPending || inSnapshot(() => reader.hasVectorTail())) return false;
  return checkThenOpenFiles(reader, slice, inSnapshot, () => reader.openFilesForGets());
}

/**
 * The first query's checks of the checkpoint's files in slices (CollectionReader.checkFirstQueryFiles),
 * then `open` in a turn of its own: it reads SQLite for the files' proof (~90 ms in one piece at
 * 1M, with the search after it). Whether it opened them; false for a reader retired meanwhile.
 */
async function checkThenOpenFiles(reader: CollectionReader, slice: SliceOptions, inSnapshot: InSnapshot, open: () => boolean): Promise<boolean> {
  await reader.checkFirstQueryFiles(slice, inSnapshot);
  await nextTurn();
  throwIfAborted(slice.signal);
  return !reader.isRetired && inSnapshot(open);
}

/** Whether a get pages one `$contains` itself (run-get.ts: no where, a limit, no WAL-tail match); a failure to tell is the get's to report. */
function pagesItself(reader: CollectionReader, spec: GetSpec, inSnapshot: InSnapshot): boolean {
  if (spec.where || spec.limit === null || pageableContains(spec.whereDocument, reader) === null) return false;
  try {
    return inSnapshot(() => tailMatches(reader, spec, (a, b) => a.internalId - b.internalId).length === 0);
  } catch {
    return true;
  }
}

/**
 * A "why not" (query/why-not.ts): it asks the query, then ranks by exact search, so it needs the
 * vectors loaded and the graph read whatever the query is, and the filter's caches.
 */
export async function whyNotAhead(reader: CollectionReader, spec: QuerySpec, slice: SliceOptions, inSnapshot: InSnapshot): Promise<void> {
  if (!querySearches(reader, spec)) return;
  await reader.loadVectorsAhead({ forQuery: true }, slice, inSnapshot);
  await filterAhead(reader, spec, slice, inSnapshot);
}

/** The vector load (with the graph, `forQuery`) of a call that reads every vector: the recall lab, the maps, exports. */
export async function vectorsAhead(reader: CollectionReader, opts: { forQuery: boolean }, slice: SliceOptions, inSnapshot: InSnapshot): Promise<void> {
  if (reader.dimension === null || !reader.catalog.vectorSegment) return;
  await reader.loadVectorsAhead(opts, slice, inSnapshot);
}

/** What the embedding map's calls read, for mapAhead. */
export interface MapAheadOptions {
  maxPoints?: number;
  /** Colours by this key: its column and the whole labels table (map/map-values.ts). */
  colorKey?: string;
  /** The PCA map itself, its axes and every point's projection (default true; false for UMAP, or a call that needs only the points). */
  project?: boolean;
  /** The graph as well (UMAP searches it for neighbours). */
  forQuery?: boolean;
}

/** The embedding map's calls (map/embedding-map.ts, map/umap-map.ts): the vector load, then what `opts` names, kept for the call. */
export async function mapAhead(reader: CollectionReader, opts: MapAheadOptions, slice: SliceOptions, inSnapshot: InSnapshot): Promise<void> {
  if (reader.dimension === null) return;
  await vectorsAhead(reader, { forQuery: opts.forQuery === true }, slice, inSnapshot);
  if (reader.isRetired || !reader.vectorsLoaded) return;
  if (opts.project !== false) await reader.ahead(slice, (sliced) => runStepsSliced(embeddingMapSteps(reader, opts.maxPoints), sliced));
  if (opts.colorKey !== undefined) await reader.prepareColumnAhead(opts.colorKey, slice, inSnapshot);
}

function filtersAllowed(reader: CollectionReader, spec: Pick<GetSpec, 'where' | 'whereDocument'>): boolean {
  try {
    checkFiltersIndexed(reader.catalog.schemaJson, spec.where, spec.whereDocument);
    return true;
  } catch {
    return false;
  }
}
