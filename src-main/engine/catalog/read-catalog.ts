import type { SqliteDatabase } from '../sqlite/connection.js';
import type { SchemaProbe } from '../sqlite/schema-probe.js';
import type { TypedMetadata } from '../util/typed-value.js';
import { readTypedColumns } from './typed-columns.js';

export const DEFAULT_TENANT = 'default_tenant';
export const DEFAULT_DATABASE = 'default_database';
export const VECTOR_SEGMENT_TYPES = new Set([
  'urn:chroma:segment/vector/hnsw-local-persisted',
  'urn:chroma:segment/vector/hnsw-local-memory',
]);

export interface CatalogSegment {
  id: string;
  type: string;
  scope: string;
  collectionId: string | null;
  metadata: TypedMetadata;
}

export interface CatalogCollection {
  id: string;
  name: string;
  tenant: string;
  database: string;
  databaseId: string | null;
  dimension: number | null;
  /** The WAL topic of this collection's rows. */
  topic: string;
  configJson: unknown;
  schemaJson: unknown;
  metadata: TypedMetadata;
  segments: CatalogSegment[];
  metadataSegment: CatalogSegment | null;
  vectorSegment: CatalogSegment | null;
}

export interface CatalogDatabase {
  id: string;
  name: string;
  tenant: string;
}

export interface Catalog {
  tenants: string[];
  databases: CatalogDatabase[];
  collections: CatalogCollection[];
  /** Segment rows whose collection no longer exists. */
  danglingSegments: CatalogSegment[];
}

function parseJsonColumn(text: unknown): unknown {
  if (typeof text !== 'string' || text.trim() === '' || text.trim() === 'null') return null;
  try {
    return JSON.parse(text);
  } catch {
    return { unparseable: text };
  }
}

function readTypedMetadata(
  db: SqliteDatabase,
  probe: SchemaProbe,
  table: 'collection_metadata' | 'segment_metadata',
  idColumn: string,
): Map<string, TypedMetadata> {
  const out = new Map<string, TypedMetadata>();
  if (!probe.hasTable(table)) return out;
  const sql = `SELECT "${idColumn}" AS owner, key, ${probe.col(table, 'str_value', 's')}, ${probe.col(table, 'int_value', 'i')},
    ${probe.col(table, 'float_value', 'f')}, ${probe.col(table, 'bool_value', 'b')} FROM ${table} ORDER BY rowid`;
  const stmt = db.prepare(sql).safeIntegers(true);
  for (const row of stmt.iterate() as Iterable<{ owner: string; key: string; s: unknown; i: unknown; f: unknown; b: unknown }>) {
    const value = readTypedColumns(row);
    if (!value) continue;
    let md = out.get(row.owner);
    if (!md) out.set(row.owner, (md = new Map()));
    md.set(row.key, value);
  }
  return out;
}

/** Reads tenants, databases, collections and segments with the column set of the folder's era. */
export function readCatalog(db: SqliteDatabase, probe: SchemaProbe): Catalog {
  const hasTenants = probe.hasTable('tenants') && probe.hasTable('databases');
  const tenants = hasTenants
    ? (db.prepare('SELECT id FROM tenants ORDER BY id').all() as { id: string }[]).map((r) => r.id)
    : [DEFAULT_TENANT];
  const databases: CatalogDatabase[] = hasTenants
    ? (db.prepare('SELECT id, name, tenant_id AS tenant FROM databases ORDER BY tenant_id, name').all() as CatalogDatabase[])
    : [{ id: '00000000-0000-0000-0000-000000000000', name: DEFAULT_DATABASE, tenant: DEFAULT_TENANT }];
  const dbById = new Map(databases.map((d) => [d.id, d]));

  const collectionMeta = readTypedMetadata(db, probe, 'collection_metadata', 'collection_id');
  const segmentMeta = readTypedMetadata(db, probe, 'segment_metadata', 'segment_id');

  const segRows = db
    .prepare(`SELECT id, type, scope, ${probe.col('segments', 'collection')} FROM segments ORDER BY id`)
    .all() as { id: string; type: string; scope: string; collection: string | null }[];
  const segments: CatalogSegment[] = segRows.map((s) => ({
    id: s.id,
    type: s.type,
    scope: s.scope,
    collectionId: s.collection,
    metadata: segmentMeta.get(s.id) ?? new Map(),
  }));

  const c = 'collections';
  const collRows = db
    .prepare(
      `SELECT id, name, ${probe.col(c, 'dimension')}, ${probe.col(c, 'topic')}, ${probe.col(c, 'database_id')},
        ${probe.col(c, 'config_json_str')}, ${probe.col(c, 'schema_str')} FROM collections ORDER BY id`,
    )
    .all() as {
    id: string;
    name: string;
    dimension: number | null;
    topic: string | null;
    database_id: string | null;
    config_json_str: string | null;
    schema_str: string | null;
  }[];

  const collections: CatalogCollection[] = collRows.map((r) => {
    const database = r.database_id ? dbById.get(r.database_id) : databases[0];
    const own = segments.filter((s) => s.collectionId === r.id);
    return {
      id: r.id,
      name: r.name,
      tenant: database?.tenant ?? '(unknown tenant)',
      database: database?.name ?? `(missing database ${r.database_id})`,
      databaseId: r.database_id,
      dimension: r.dimension === null ? null : Number(r.dimension),
      topic: r.topic ?? `persistent://default/default/${r.id}`,
      configJson: parseJsonColumn(r.config_json_str),
      schemaJson: parseJsonColumn(r.schema_str),
      metadata: collectionMeta.get(r.id) ?? new Map(),
      segments: own,
      metadataSegment: own.find((s) => s.scope === 'METADATA') ?? null,
      vectorSegment: own.find((s) => s.scope === 'VECTOR') ?? null,
    };
  });
  const known = new Set(collections.map((x) => x.id));
  return {
    tenants,
    databases,
    collections,
    danglingSegments: segments.filter((s) => !s.collectionId || !known.has(s.collectionId)),
  };
}
