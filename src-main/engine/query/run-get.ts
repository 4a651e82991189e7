import type { CollectionReader } from '../collection/collection-reader.js';
import type { GetSpec } from './validate-args.js';
import type { TypedMetadata } from '../util/typed-value.js';
import type { Metadata } from '../../../shared/models.js';
import { visibleMetadata } from './format-results.js';
import { compileWhere } from '../filter/compile-sql.js';
import { matchesWhere } from '../filter/evaluate.js';
import { combineFilters } from '../filter/combine.js';
import { loadRecordContents } from './record-contents.js';
import { orderFor, type RecordOrder } from './record-order.js';
import { executeBitset } from '../filter/execute-bitset.js';
import type { IdBitset } from '../filter/id-bitset.js';
import { containsPage, pageableContains } from './contains-page.js';
import { cachedStatement } from '../sqlite/statement-cache.js';
import type { Steps } from '../util/steps.js';

export interface MatchedRecord {
  id: string;
  internalId: number;
  metadata: TypedMetadata | null;
  document: string | null;
  uri: string | null;
  fromWal: boolean;
  /** The value the records are sorted by, when not by internal id. */
  sortKey?: unknown;
  /**
   * The metadata as the answer shows it (visibleMetadata), converted with the page read ahead
   * (getPageSteps), so that a get of many records does not convert them all in its call.
   */
  shown?: Metadata | null;
  /** The embedding as the answer shows it, converted ahead with the page (get-result.ts shownEmbeddingsSteps). */
  shownEmbedding?: number[];
}

export interface GetOutcome {
  records: MatchedRecord[];
  /** Present when `withTotal` was asked: matches before limit/offset. */
  total?: number;
}

/**
 * Chroma's get (docs/format.md §7.1): records of the metadata segment in ascending internal id,
 * filtered by ids AND where AND where_document, then offset/limit. WAL-tail records not yet in
 * the tables are merged in by internal id.
 */
interface GetPlan {
  whereSql: string;
  params: unknown[];
  /** WAL-tail records (not yet in the tables) that match, in the requested order. */
  walMatches: MatchedRecord[];
}

/** The one place a get's filters become SQL (plus the in-memory match of WAL-tail records). */
function planGet(reader: CollectionReader, segmentId: string, spec: Pick<GetSpec, 'ids' | 'where' | 'whereDocument'>, rowidScan: boolean, compare: (a: MatchedRecord, b: MatchedRecord) => number): GetPlan {
  const { filterContext } = reader.ctx;
  const overlay = reader.overlay();
  const filter = combineFilters(spec.where, spec.whereDocument);
  const clauses = [rowidScan ? '+e.segment_id = ?' : 'e.segment_id = ?'];
  const params: unknown[] = [segmentId];
  if (spec.ids) {
    clauses.push('e.embedding_id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(spec.ids));
  }
  if (!overlay.isEmpty) {
    clauses.push('e.embedding_id NOT IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify([...overlay.shadowed]));
  }
  if (filter) {
    const compiled = compileWhere(filter, filterContext);
    clauses.push(`(${compiled.sql})`);
    params.push(...compiled.params);
  }
  return { whereSql: clauses.join(' AND '), params, walMatches: tailMatches(reader, spec, compare) };
}

/** The WAL-tail records (not yet in the tables) that match the get's ids and filters, sorted by `compare`. */
export function tailMatches(reader: CollectionReader, spec: Pick<GetSpec, 'ids' | 'where' | 'whereDocument'>, compare: (a: MatchedRecord, b: MatchedRecord) => number): MatchedRecord[] {
  const filter = combineFilters(spec.where, spec.whereDocument);
  const idSet = spec.ids ? new Set(spec.ids) : null;
  const walMatches: MatchedRecord[] = [];
  for (const rec of reader.overlay().live.values()) {
    if (idSet && !idSet.has(rec.id)) continue;
    if (filter && !matchesWhere(filter, { metadata: rec.metadata, document: rec.document })) continue;
    walMatches.push({ id: rec.id, internalId: rec.internalId, metadata: rec.metadata, document: rec.document, uri: rec.uri, fromWal: true });
  }
  return walMatches.sort(compare);
}

/**
 * The internal ids of every matching record, unordered: what a filtered query needs, without
 * user ids or sorting. WAL-tail matches are returned as records (their ids may be new).
 */
export function matchingInternalIds(reader: CollectionReader, spec: Pick<GetSpec, 'ids' | 'where' | 'whereDocument'>): { internalIds: number[]; walMatches: MatchedRecord[] } {
  const seg = reader.catalog.metadataSegment;
  if (!seg) return { internalIds: [], walMatches: [] };
  const plan = planGet(reader, seg.id, spec, !spec.ids && reader.dominatesEmbeddingsTable(), (a, b) => a.internalId - b.internalId);
  const bits = spec.ids ? null : filterBits(reader, spec);
  const internalIds = bits
    ? [...bits.ids()]
    : (cachedStatement(reader.ctx.db, `SELECT e.id FROM embeddings e WHERE ${plan.whereSql}`, 'pluck').all(...plan.params) as number[]);
  return { internalIds, walMatches: plan.walMatches };
}

export function runGet(
  reader: CollectionReader,
  spec: GetSpec,
  opts: { withContents: boolean; withTotal?: boolean; order?: RecordOrder },
): GetOutcome {
  const seg = reader.catalog.metadataSegment;
  if (!seg) return { records: [], total: 0 };
  const { db, filterContext } = reader.ctx;
  const order = orderFor(opts.order, filterContext.hasBoolColumn);
  // In Chroma order (rowid), a rowid scan that stops at the limit beats the segment index plus a
  // sort of the whole collection — unless the collection is a small part of a shared table.
  const rowidScan = !spec.ids && (!opts.order || opts.order.by === 'internal') && reader.dominatesEmbeddingsTable();
  const { whereSql, params, walMatches } = planGet(reader, seg.id, spec, rowidScan, order.compare);
  const sortParams = order.params;

  const limit = spec.limit;
  const offset = spec.offset;
  const chromaOrder = !spec.ids && (!opts.order || opts.order.by === 'internal') && !opts.order?.desc;
  // A page of a plain `$contains` needs its first offset + limit matches, not all of them.
  const contains = chromaOrder && limit !== null && !opts.withTotal && !spec.where && walMatches.length === 0 ? pageableContains(spec.whereDocument, reader) : null;
  if (contains !== null) {
    const records = recordsFor(reader, containsPage(reader, contains, offset + limit!).slice(offset));
    if (opts.withContents) attachContents(reader, records);
    return { records };
  }
  // Pages in Chroma's order come from a bit set (the filter's, or every record's): any offset
  // costs a pass over bits, not a scan of the rows before it.
  const bits = chromaOrder ? (filterBits(reader, spec) ?? reader.columnSource()?.universe() ?? null) : null;
  if (bits) return getFromBits(reader, bits, walMatches, spec, opts);
  // With WAL-tail records to merge, fetch the SQL prefix and cut after merging.
  const sqlLimit = walMatches.length === 0 ? (limit ?? -1) : limit === null ? -1 : offset + limit;
  const sqlOffset = walMatches.length === 0 ? offset : 0;
  const rows = cachedStatement(
    db,
    `SELECT e.id AS iid, e.embedding_id AS eid${order.select} FROM embeddings e${order.join} WHERE ${whereSql} ORDER BY ${order.orderBy} LIMIT ? OFFSET ?`,
  ).all(...sortParams, ...params, sqlLimit, sqlOffset) as { iid: number; eid: string; sk?: unknown }[];

  let records: MatchedRecord[] = rows.map((r) => ({
    id: r.eid,
    internalId: r.iid,
    metadata: null,
    document: null,
    uri: null,
    fromWal: false,
    sortKey: r.sk,
  }));
  if (walMatches.length > 0) {
    for (const m of walMatches) m.sortKey = order.keyOf(m);
    records = mergeSorted(records, walMatches, order.compare);
    records = records.slice(offset, limit === null ? undefined : offset + limit);
  }
  if (opts.withContents) attachContents(reader, records);
  let total: number | undefined;
  if (opts.withTotal) {
    const unfiltered = !spec.ids && !spec.where && !spec.whereDocument;
    total = unfiltered
      ? reader.count()
      : (cachedStatement(db, `SELECT count(*) AS n FROM embeddings e WHERE ${whereSql}`).get(...params) as { n: number }).n + walMatches.length;
  }
  return total === undefined ? { records } : { records, total };
}

/** The filter's matches as a bit set over cached columns; null when there is no filter. */
function filterBits(reader: CollectionReader, spec: Pick<GetSpec, 'where' | 'whereDocument'>): IdBitset | null {
  const filter = combineFilters(spec.where, spec.whereDocument);
  const source = filter ? reader.columnSource() : null;
  return filter && source ? executeBitset(filter, source) : null;
}

/** A page in Chroma's order straight from a bit set: only the page's rows are read from SQLite. */
function getFromBits(
  reader: CollectionReader,
  bits: IdBitset,
  walMatches: MatchedRecord[],
  spec: GetSpec,
  opts: { withContents: boolean; withTotal?: boolean },
): GetOutcome {
  const { offset, limit } = spec;
  const take = limit === null ? Infinity : limit;
  const fromBits = [...bits.ids(walMatches.length ? 0 : offset, walMatches.length ? offset + take : take)];
  let records = recordsFor(reader, fromBits);
  if (walMatches.length) {
    records = mergeSorted(records, walMatches, (a, b) => a.internalId - b.internalId).slice(offset, offset + take);
  }
  if (opts.withContents) attachContents(reader, records);
  return opts.withTotal ? { records, total: bits.count() + walMatches.length } : { records };
}

/** Records a page read ahead takes per step, each in a read snapshot of its own (~15 ms with contents at five million records). */
const PAGE_RECORDS_PER_STEP = 500;

/**
 * The page runGet gives a get in Chroma's order (getFromBits: `withContents` as the call asks),
 * read ahead of it in steps of `perStep` records, each in `inSnapshot` (a read transaction that
 * first retires this reader if the data changed: the steps then stop, with null). A get that
 * returns 50,000 records with their contents held the thread 1.5 s in one piece at five million
 * records. Null, before anything is evaluated, where runGet takes another path: ids, WAL-tail
 * records to merge, a page of one `$contains` (contains-page.ts). The filter is evaluated here
 * as runGet would (its keys' uses counted once): the call takes the page (KeptGetPage) instead.
 */
export function* getPageSteps(
  reader: CollectionReader,
  spec: GetSpec,
  withContents: boolean,
  inSnapshot: <T>(fn: () => T) => T,
  perStep = PAGE_RECORDS_PER_STEP,
): Steps<MatchedRecord[] | null> {
  const page = inSnapshot(() => {
    if (reader.isRetired || spec.ids || !reader.catalog.metadataSegment) return null;
    if (tailMatches(reader, spec, (a, b) => a.internalId - b.internalId).length > 0) return null;
    if (spec.limit !== null && !spec.where && pageableContains(spec.whereDocument, reader) !== null) return null;
    const bits = filterBits(reader, spec) ?? reader.columnSource()?.universe() ?? null;
    return bits ? [...bits.ids(spec.offset, spec.limit === null ? Infinity : spec.limit)] : null;
  });
  if (!page) return null;
  const records: MatchedRecord[] = [];
  for (let from = 0; from < page.length; from += perStep) {
    if (from > 0) yield;
    const part = inSnapshot(() => {
      if (reader.isRetired) return null;
      const got = recordsFor(reader, page.slice(from, from + perStep));
      if (withContents) {
        attachContents(reader, got);
        for (const r of got) r.shown = visibleMetadata(r.metadata, r.uri);
      }
      return got;
    });
    if (!part) return null;
    for (const r of part) records.push(r);
  }
  return records;
}

/** Records (ids only, contents not attached) for internal ids, in the order given. */
function recordsFor(reader: CollectionReader, internalIds: number[]): MatchedRecord[] {
  const eids = new Map<number, string>();
  const lookup = cachedStatement(reader.ctx.db, 'SELECT id, embedding_id FROM embeddings WHERE id IN (SELECT value FROM json_each(?))', 'raw');
  for (let i = 0; i < internalIds.length; i += 20000) {
    for (const [iid, eid] of lookup.all(JSON.stringify(internalIds.slice(i, i + 20000))) as [number, string][]) eids.set(iid, eid);
  }
  return internalIds.map((iid) => ({ id: eids.get(iid)!, internalId: iid, metadata: null, document: null, uri: null, fromWal: false }));
}

function attachContents(reader: CollectionReader, records: MatchedRecord[]) {
  const contents = loadRecordContents(reader.ctx, records.filter((r) => !r.fromWal).map((r) => r.internalId));
  for (const r of records) {
    if (r.fromWal) continue;
    const c = contents.get(r.internalId);
    r.metadata = c?.metadata ?? new Map();
    r.document = c?.document ?? null;
    r.uri = c?.uri ?? null;
  }
}

function mergeSorted(a: MatchedRecord[], b: MatchedRecord[], compare: (x: MatchedRecord, y: MatchedRecord) => number): MatchedRecord[] {
  const out: MatchedRecord[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && compare(a[i]!, b[j]!) <= 0)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}
