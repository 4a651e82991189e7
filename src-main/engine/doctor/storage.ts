import type { CollectionStorage, FileEntry, StorageObject, StorageReport } from '../../../shared/models.js';
import type { Catalog } from '../catalog/read-catalog.js';
import type { FolderContext } from '../collection/folder-context.js';
import { btreePages } from './btree-pages.js';

type Area = keyof CollectionStorage['sqlite'];

const FTS_SHADOWS = ['data', 'idx', 'content', 'docsize', 'config'];
/** Which tables hold each kind of per-collection data; their indexes go with them. */
const AREA_TABLES: Record<Exclude<Area, 'fts'>, string[]> = {
  records: ['embeddings'],
  metadata: ['embedding_metadata', 'embedding_metadata_array'],
  wal: ['embeddings_queue'],
};

interface SchemaRow {
  type: string;
  name: string;
  tbl_name: string;
  rootpage: number | null;
  sql: string | null;
}

/** Every b-tree's bytes and pages: dbstat when compiled in, else our own walk of the file. */
function objectSizes(ctx: FolderContext, pageSize: number): { method: StorageReport['method']; objects: StorageObject[] } {
  const schema = ctx.db.prepare('SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master').all() as SchemaRow[];
  const virtual = schema.filter((r) => r.type === 'table' && /^\s*CREATE\s+VIRTUAL\s+TABLE/i.test(r.sql ?? '')).map((r) => r.name);
  const owner = (name: string): { kind: StorageObject['kind']; table: string } => {
    if (name === 'sqlite_master' || name === 'sqlite_schema') return { kind: 'schema', table: name };
    for (const v of virtual) if (FTS_SHADOWS.some((s) => name === `${v}_${s}`)) return { kind: 'fts', table: v };
    const row = schema.find((r) => r.name === name);
    if (row?.type === 'index') return { kind: 'index', table: row.tbl_name };
    return { kind: 'table', table: name };
  };
  let pagesByName: Map<string, number>;
  let method: StorageReport['method'] = 'dbstat';
  try {
    pagesByName = new Map(
      (ctx.db.prepare("SELECT name, pageno AS pages FROM dbstat WHERE aggregate = TRUE").all() as { name: string; pages: number }[]).map((r) => [r.name, r.pages]),
    );
  } catch {
    method = 'btree-walk';
    const roots = [{ name: 'sqlite_master', rootpage: 1 }, ...schema.filter((r) => r.rootpage).map((r) => ({ name: r.name, rootpage: r.rootpage! }))];
    pagesByName = btreePages(ctx.sqliteFile, roots);
  }
  const objects = [...pagesByName].map(([name, pages]) => ({ name, ...owner(name), pages, bytes: pages * pageSize }));
  return { method, objects: objects.sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name)) };
}

/** Each collection's part of a table's payload, keyed by metadata segment id or WAL topic; null keys belong to no record. */
function payloadShares(ctx: FolderContext): Record<Area, Map<string | null, number>> {
  const { db, probe } = ctx;
  const grouped = (sql: string): Map<string | null, number> =>
    new Map((db.prepare(sql).all() as { k: string | null; p: number | null }[]).map((r) => [r.k, r.p ?? 0]));
  const empty = () => new Map<string | null, number>();
  const bySegment = (table: string, size: string) =>
    `SELECT e.segment_id AS k, sum(${size}) AS p FROM ${table} m LEFT JOIN embeddings e ON e.id = m.id GROUP BY e.segment_id`;
  const metadata = probe.hasTable('embedding_metadata') ? grouped(bySegment('embedding_metadata', 'length(m.key) + coalesce(length(m.string_value), 8) + 8')) : empty();
  if (probe.hasTable('embedding_metadata_array')) {
    for (const [k, p] of grouped(bySegment('embedding_metadata_array', 'length(m.key) + coalesce(length(m.string_value), 8) + 8'))) metadata.set(k, (metadata.get(k) ?? 0) + p);
  }
  const fts = ctx.filterContext.ftsTable;
  return {
    records: probe.hasTable('embeddings')
      ? grouped('SELECT segment_id AS k, sum(length(segment_id) + length(embedding_id) + coalesce(length(seq_id), 8) + 16) AS p FROM embeddings GROUP BY segment_id')
      : empty(),
    metadata,
    fts:
      fts === 'embedding_fulltext_search'
        ? grouped('SELECT e.segment_id AS k, sum(coalesce(length(f.string_value), 0) + 8) AS p FROM embedding_fulltext_search f LEFT JOIN embeddings e ON e.id = f.rowid GROUP BY e.segment_id')
        : fts === 'embedding_fulltext'
          ? grouped('SELECT e.segment_id AS k, sum(coalesce(length(f.string_value), 0) + 8) AS p FROM (SELECT CAST(id AS INTEGER) AS fid, string_value FROM embedding_fulltext) f LEFT JOIN embeddings e ON e.id = f.fid GROUP BY e.segment_id')
          : empty(),
    wal: probe.hasTable('embeddings_queue')
      ? grouped('SELECT topic AS k, sum(coalesce(length(vector), 0) + coalesce(length(metadata), 0) + length(id) + length(topic) + 16) AS p FROM embeddings_queue GROUP BY topic')
      : empty(),
  };
}

/**
 * Bytes per table, index and full-text shadow table, and per collection: its share of each
 * table's bytes (by its part of the payload: SQLite pages hold rows of every collection, so an
 * exact split does not exist) and its HNSW files. Leftovers of deleted collections are summed apart.
 */
export function measureStorage(ctx: FolderContext, catalog: Catalog, files: FileEntry[], orphanFolders: string[]): Omit<StorageReport, 'reclaim' | 'reclaimNote'> {
  const pageSize = Number(ctx.db.pragma('page_size', { simple: true }));
  const pages = Number(ctx.db.pragma('page_count', { simple: true }));
  const free = Number(ctx.db.pragma('freelist_count', { simple: true }));
  const { method, objects } = objectSizes(ctx, pageSize);
  const fts = ctx.filterContext.ftsTable;
  const areaBytes = (area: Area): number =>
    objects
      .filter((o) => (area === 'fts' ? o.kind === 'fts' && o.table === fts : AREA_TABLES[area].includes(o.table) && o.kind !== 'fts'))
      .reduce((s, o) => s + o.bytes, 0);
  const shares = payloadShares(ctx);
  const areas: Area[] = ['records', 'metadata', 'fts', 'wal'];
  const totals = Object.fromEntries(areas.map((a) => [a, [...shares[a].values()].reduce((s, p) => s + p, 0)])) as Record<Area, number>;
  const portion = (area: Area, key: string | null | undefined): number => {
    if (key === undefined || totals[area] === 0) return 0;
    return Math.round((areaBytes(area) * (shares[area].get(key) ?? 0)) / totals[area]);
  };
  const claimed: Record<Area, Set<string | null>> = { records: new Set(), metadata: new Set(), fts: new Set(), wal: new Set() };
  const collections: CollectionStorage[] = catalog.collections.map((c) => {
    const seg = c.metadataSegment?.id;
    const keys: Record<Area, string | undefined> = { records: seg, metadata: seg, fts: seg, wal: c.topic };
    for (const a of areas) if (keys[a] !== undefined) claimed[a].add(keys[a]!);
    const sqlite = Object.fromEntries(areas.map((a) => [a, portion(a, keys[a])])) as CollectionStorage['sqlite'];
    const vseg = c.vectorSegment?.id;
    const hnswFiles = vseg ? files.filter((f) => f.path.startsWith(`${vseg}/`)).map((f) => ({ file: f.path, bytes: f.bytes })) : [];
    const totalBytes = areas.reduce((s, a) => s + sqlite[a], 0) + hnswFiles.reduce((s, f) => s + f.bytes, 0);
    return { collectionId: c.id, name: c.name, tenant: c.tenant, database: c.database, sqlite, hnswFiles, totalBytes };
  });
  let orphanSqlite = 0;
  for (const a of areas) for (const key of shares[a].keys()) if (!claimed[a].has(key)) orphanSqlite += portion(a, key);
  const orphanFiles = files.filter((f) => orphanFolders.some((o) => f.path.startsWith(`${o}/`))).reduce((s, f) => s + f.bytes, 0);
  return {
    method,
    pageSize,
    databaseBytes: pages * pageSize,
    freelistBytes: free * pageSize,
    objects,
    collections: collections.sort((a, b) => b.totalBytes - a.totalBytes),
    orphans: { sqliteBytes: orphanSqlite, fileBytes: orphanFiles },
    attribution:
      "Per collection, each table's bytes (with its indexes) are shared out by the collection's part of the table's payload (ids, keys, values, text, vectors); SQLite pages mix collections, so the split is an estimate. HNSW files are exact.",
  };
}
