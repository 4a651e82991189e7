import type { RecordSort } from '../../../shared/contract.js';
import type { MatchedRecord } from './run-get.js';

export type RecordOrder = RecordSort;

export interface CompiledOrder {
  select: string;
  join: string;
  orderBy: string;
  params: unknown[];
  keyOf(r: MatchedRecord): unknown;
  compare(a: MatchedRecord, b: MatchedRecord): number;
}

/** SQLite's cross-type order: NULL < numbers < text. The in-memory side must agree with SQL. */
function sqliteCompare(a: unknown, b: unknown): number {
  const rank = (v: unknown) => (v === null || v === undefined ? 0 : typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' ? 1 : 2);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 1) return Number(a) - Number(b);
  if (ra === 2) return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  return 0;
}

/**
 * Chroma's own order is ascending internal id; the inspector also sorts by user id or by a
 * metadata key. Ties fall back to internal id so pages never overlap.
 */
export function orderFor(sort: RecordOrder | undefined, hasBoolColumn = true): CompiledOrder {
  const dir = sort?.desc ? -1 : 1;
  const sqlDir = sort?.desc ? 'DESC' : 'ASC';
  if (!sort || sort.by === 'internal') {
    return {
      select: '',
      join: '',
      orderBy: `e.id ${sqlDir}`,
      params: [],
      keyOf: (r) => r.internalId,
      compare: (a, b) => dir * (a.internalId - b.internalId),
    };
  }
  const tie = (a: MatchedRecord, b: MatchedRecord) => a.internalId - b.internalId;
  if (sort.by === 'id') {
    return {
      select: ', e.embedding_id AS sk',
      join: '',
      orderBy: `e.embedding_id ${sqlDir}, e.id`,
      params: [],
      keyOf: (r) => r.id,
      compare: (a, b) => dir * sqliteCompare(a.id, b.id) || tie(a, b),
    };
  }
  return {
    select: `, coalesce(sk.string_value, sk.int_value, sk.float_value${hasBoolColumn ? ', sk.bool_value' : ''}) AS sk`,
    join: ' LEFT JOIN embedding_metadata sk ON sk.id = e.id AND sk.key = ?',
    orderBy: `sk ${sqlDir}, e.id`,
    params: [sort.key],
    keyOf: (r) => {
      const v = r.metadata?.get(sort.key);
      if (!v || v.kind === 'array') return null;
      return v.kind === 'bool' ? (v.value ? 1 : 0) : v.kind === 'int' ? Number(v.value) : v.value;
    },
    compare: (a, b) => dir * sqliteCompare(a.sortKey, b.sortKey) || tie(a, b),
  };
}
