import type { FilterMiss, WhyNotAnswer } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import { explainDocument, explainWhere } from '../filter/explain-filter.js';
import { checkFiltersIndexed } from '../filter/indexed-filters.js';
import type { DocumentNode, WhereNode } from '../filter/where-ast.js';
import { toDistance } from './format-results.js';
import { runGet, type MatchedRecord } from './run-get.js';
import { allowedLabels, runQuery } from './run-query.js';
import type { QuerySpec } from './validate-args.js';

/**
 * "Why is this record not in my results?" for one query vector: the first cause, in the order a
 * query applies them (docs/why-not.md). The filters' verdicts are the engine's own (the same
 * SQL and WAL overlay a query uses); the explanation then names the leaves that fail. The
 * ranking verdict compares the query's real answer (Chroma's graph search) with exact search
 * over the same allowed records, in the same float32 arithmetic.
 */
export function whyNot(reader: CollectionReader, spec: QuerySpec, id: string): WhyNotAnswer {
  if (spec.embeddings.length !== 1) throw new InspectorError('INVALID_ARGUMENT', `why-not takes one query vector, got ${spec.embeddings.length}`);
  const query = spec.embeddings[0]!;
  const k = spec.nResults;
  const base = { id, k };
  const record = recordById(reader, id);
  if (!record) return { ...base, cause: 'not-found', summary: `No record with id ${JSON.stringify(id)} exists in collection "${reader.catalog.name}".` };

  // What the query itself answers (the sound vectors of a damaged collection, as the UI queries).
  const answer = runQuery(reader, { ...spec, include: ['distances'] }, { allowPartial: true });
  const ids = answer.ids[0] ?? [];
  const distances = answer.distances[0] ?? [];
  const resultKthDistance = ids.length >= k ? distances[k - 1]! : null;
  const at = ids.indexOf(id);
  if (at >= 0) {
    const distance = distances[at]!;
    return { ...base, cause: 'returned', rank: at + 1, distance, summary: `${JSON.stringify(id)} is in the results: rank ${at + 1} of ${ids.length}, distance ${distance}.` };
  }

  if (spec.ids && !spec.ids.includes(id)) {
    return { ...base, cause: 'excluded-by-ids', summary: `The query's ids (${spec.ids.length}) do not include ${JSON.stringify(id)}.` };
  }
  if (spec.where && !passes(reader, id, spec.where, null)) {
    const misses = orUnexplained(explainWhere(spec.where, record), 'where');
    return { ...base, cause: 'excluded-by-where', misses, summary: `The where filter turns ${JSON.stringify(id)} away: ${misses[0]!.reason}${more(misses)}.` };
  }
  if (spec.whereDocument && !passes(reader, id, null, spec.whereDocument)) {
    const misses = orUnexplained(explainDocument(spec.whereDocument, record.document), 'whereDocument');
    return { ...base, cause: 'excluded-by-where-document', misses, summary: `The whereDocument filter turns ${JSON.stringify(id)} away: ${misses[0]!.reason}${more(misses)}.` };
  }

  const vectors = reader.vectors({ forQuery: true });
  const label = vectors.idToLabel.get(id);
  const allowed = allowedLabels(reader, vectors, spec, true);
  const ranked = label === undefined ? null : vectors.exactRank(query, label, allowed);
  if (!ranked) {
    const why =
      label === undefined || !vectors.slab.has(label)
        ? 'it has no usable vector (none was stored, or the checkpoint holds it damaged; see the collection\'s problems)'
        : 'its vector has NaN or infinite components, which never rank';
    return { ...base, cause: 'no-vector', summary: `No query can return ${JSON.stringify(id)}: ${why}.` };
  }
  const exact = vectors.search(query, k, allowed, { exact: true });
  const detail = {
    distance: toDistance(ranked.distance),
    exactRank: ranked.rank,
    candidates: ranked.candidates,
    exactKthDistance: exact.length >= k ? toDistance(exact[k - 1]!.distance) : null,
    resultKthDistance,
    efSearch: Math.max(reader.params.efSearch, k),
  };
  const filtered = spec.ids || spec.where || spec.whereDocument ? ' the filters allow' : '';
  if (ranked.rank > k) {
    return {
      ...base,
      ...detail,
      cause: 'ranked-below-k',
      summary:
        `Exact search ranks ${JSON.stringify(id)} ${ranked.rank} of the ${ranked.candidates} records${filtered} (distance ${detail.distance}; ` +
        `the ${k}th is at ${detail.exactKthDistance}): below k = ${k}.`,
    };
  }
  // At the k-th result's very distance the graph may well have reached it and kept a twin: which
  // of equal distances fit is the index's internal order (Chroma's too), not a miss.
  const tied = resultKthDistance !== null && detail.distance === resultKthDistance;
  return {
    ...base,
    ...detail,
    cause: 'missed-by-index',
    summary:
      `Exact search ranks ${JSON.stringify(id)} ${ranked.rank} of ${ranked.candidates}${filtered} (distance ${detail.distance}), within k = ${k}, ` +
      (tied
        ? `at the same distance as the ${k}th result: which of equal distances make the cut is the HNSW index's internal order, in Chroma too.`
        : `but the HNSW graph search (ef = ${detail.efSearch}) did not reach it.`),
  };
}

function recordById(reader: CollectionReader, id: string): MatchedRecord | null {
  return runGet(reader, { ids: [id], where: null, whereDocument: null, limit: null, offset: 0, include: [] }, { withContents: true }).records[0] ?? null;
}

/** The engine's own verdict: the get a query's filter runs, limited to this id. */
function passes(reader: CollectionReader, id: string, where: WhereNode | null, whereDocument: DocumentNode | null): boolean {
  checkFiltersIndexed(reader.catalog.schemaJson, where, whereDocument);
  return runGet(reader, { ids: [id], where, whereDocument, limit: null, offset: 0, include: [] }, { withContents: false }).records.length > 0;
}

/** The filter turned the record away although no leaf fails in memory: say so rather than nothing. */
function orUnexplained(misses: FilterMiss[], path: string): FilterMiss[] {
  if (misses.length > 0) return misses;
  return [{ path, leaf: path, recordValue: null, reason: 'the filter excludes it, though no single leaf explains why (please report this)' }];
}

function more(misses: FilterMiss[]): string {
  return misses.length > 1 ? ` (and ${misses.length - 1} more)` : '';
}
