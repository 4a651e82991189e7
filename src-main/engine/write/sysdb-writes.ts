import fs from 'node:fs';
import path from 'node:path';
import { InspectorError } from '../../../shared/errors.js';
import type { TypedMetadata, TypedScalar } from '../util/typed-value.js';
import { listSegmentFolders } from '../folder/folder-files.js';
import type { FolderWriter } from './folder-writer.js';
import { newConfigJson, newSchemaJson, resolveCreateConfig, updatedConfigText, type HnswConfig } from './collection-config.js';
import { cryptoModule } from '../util/node-on-demand.js';

export const VECTOR_SEGMENT_TYPE = 'urn:chroma:segment/vector/hnsw-local-persisted';
export const METADATA_SEGMENT_TYPE = 'urn:chroma:segment/metadata/sqlite';
export const DEFAULT_DATABASE_ID = '00000000-0000-0000-0000-000000000000';

const notFound = (what: string) => new InspectorError('NOT_FOUND', what);
const isUnique = (err: unknown) => /UNIQUE constraint failed/.test(String((err as Error)?.message));

function scalarColumns(v: TypedScalar, hasBool: boolean): [string | null, bigint | null, number | null, number | null] {
  switch (v.kind) {
    case 'string':
      return [v.value, null, null, null];
    case 'int':
      return [null, v.value, null, null];
    case 'float':
      return [null, null, v.value, null];
    case 'bool':
      // Before sysdb/00006 booleans lived in int_value.
      return hasBool ? [null, null, null, v.value ? 1 : 0] : [null, BigInt(v.value ? 1 : 0), null, null];
  }
}

function insertTypedMetadata(w: FolderWriter, table: 'collection_metadata' | 'segment_metadata', owner: string, md: TypedMetadata): void {
  const hasBool = w.probe.hasColumn(table, 'bool_value');
  const idCol = table === 'collection_metadata' ? 'collection_id' : 'segment_id';
  const stmt = w.db.prepare(
    hasBool
      ? `INSERT INTO ${table} (${idCol}, key, str_value, int_value, float_value, bool_value) VALUES (?, ?, ?, ?, ?, ?)`
      : `INSERT INTO ${table} (${idCol}, key, str_value, int_value, float_value) VALUES (?, ?, ?, ?, ?)`,
  );
  for (const [key, value] of md) {
    if (value.kind === 'array') throw new InspectorError('INVALID_ARGUMENT', `Collection metadata value for key '${key}' cannot be a list`);
    const cols = scalarColumns(value, hasBool);
    stmt.run(owner, key, ...(hasBool ? cols : cols.slice(0, 3)));
  }
}

export function tenantExists(w: FolderWriter, name: string): boolean {
  return w.db.prepare('SELECT 1 FROM tenants WHERE id = ?').get(name) !== undefined;
}

/** Returns false when the tenant already exists. */
export function createTenant(w: FolderWriter, name: string): boolean {
  return w.immediate(() => {
    if (tenantExists(w, name)) return false;
    w.db.prepare('INSERT INTO tenants (id) VALUES (?)').run(name);
    return true;
  });
}

export interface DatabaseRow {
  id: string;
  name: string;
  tenant: string;
}

export function findDatabase(w: FolderWriter, tenant: string, name: string): DatabaseRow | null {
  return (w.db.prepare('SELECT id, name, tenant_id AS tenant FROM databases WHERE tenant_id = ? AND name = ?').get(tenant, name) as DatabaseRow | undefined) ?? null;
}

export function listDatabases(w: FolderWriter, tenant: string, limit: number, offset: number): DatabaseRow[] {
  return w.db
    .prepare('SELECT id, name, tenant_id AS tenant FROM databases WHERE tenant_id = ? ORDER BY rowid LIMIT ? OFFSET ?')
    .all(tenant, limit, offset) as DatabaseRow[];
}

/** Chroma creates the database row even when the tenant row is missing; so do we. Returns false when it exists. */
export function createDatabase(w: FolderWriter, tenant: string, name: string): boolean {
  return w.immediate(() => {
    if (findDatabase(w, tenant, name)) return false;
    w.db.prepare('INSERT INTO databases (id, name, tenant_id) VALUES (?, ?, ?)').run(cryptoModule().randomUUID(), name, tenant);
    return true;
  });
}

/** Deletes a database with all its collections. Returns the vector folders to remove after commit. */
export function deleteDatabase(w: FolderWriter, tenant: string, name: string): string[] {
  return w.immediate(() => {
    const db = findDatabase(w, tenant, name);
    if (!db) throw notFound(`Database ${tenant}/${name} does not exist`);
    const folders: string[] = [];
    for (const c of w.db.prepare('SELECT id FROM collections WHERE database_id = ?').all(db.id) as { id: string }[]) {
      folders.push(...deleteCollectionRows(w, c.id));
    }
    w.db.prepare('DELETE FROM databases WHERE id = ?').run(db.id);
    return folders;
  });
}

export interface CreateCollectionInput {
  databaseId: string;
  name: string;
  metadata: TypedMetadata | null;
  hnsw: Partial<HnswConfig> | null;
  embeddingFunction: unknown;
}

/** Creates a collection with its two segments (docs/format.md §3.4), in the era's catalog format. Returns its id. */
export function createCollection(w: FolderWriter, input: CreateCollectionInput): string {
  const era = w.era;
  const config = resolveCreateConfig(input.metadata, input.hnsw);
  return w.immediate(() => {
    const id = cryptoModule().randomUUID();
    const cols = ['id', 'name', 'dimension', 'database_id'];
    const vals: unknown[] = [id, input.name, null, input.databaseId];
    if (w.probe.hasColumn('collections', 'config_json_str')) {
      cols.push('config_json_str');
      vals.push(newConfigJson(era, config, input.embeddingFunction));
    }
    if (era.schemaStr) {
      cols.push('schema_str');
      vals.push(newSchemaJson(config, input.embeddingFunction));
    }
    try {
      w.db.prepare(`INSERT INTO collections (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...vals);
    } catch (err) {
      if (isUnique(err)) throw new InspectorError('INVALID_ARGUMENT', `Collection ${input.name} already exists`, { conflict: true });
      throw err;
    }
    if (input.metadata && input.metadata.size > 0) insertTypedMetadata(w, 'collection_metadata', id, input.metadata);
    const vectorSegment = cryptoModule().randomUUID();
    const segment = w.db.prepare('INSERT INTO segments (id, type, scope, collection) VALUES (?, ?, ?, ?)');
    segment.run(vectorSegment, VECTOR_SEGMENT_TYPE, 'VECTOR', id);
    segment.run(cryptoModule().randomUUID(), METADATA_SEGMENT_TYPE, 'METADATA', id);
    if (!era.rustCore && input.metadata) {
      // Python 0.x copied the hnsw:* keys into the vector segment's metadata, where it reads them.
      const hnswKeys = new Map([...input.metadata].filter(([k]) => k.startsWith('hnsw:')));
      if (hnswKeys.size > 0) insertTypedMetadata(w, 'segment_metadata', vectorSegment, hnswKeys);
    }
    return id;
  });
}

/**
 * Everything Rust core deletes with a collection (docs/format.md §3.7), plus what it forgets: the array
 * metadata rows. Returns the vector segment folders to remove once the transaction commits.
 */
export function deleteCollectionRows(w: FolderWriter, collectionId: string): string[] {
  const db = w.db;
  const segments = db.prepare('SELECT id, scope FROM segments WHERE collection = ?').all(collectionId) as { id: string; scope: string }[];
  const topic = `persistent://default/default/${collectionId}`;
  for (const s of segments) {
    if (s.scope === 'METADATA') {
      const ids = 'SELECT id FROM embeddings WHERE segment_id = ?';
      db.prepare(`DELETE FROM embedding_fulltext_search WHERE rowid IN (${ids})`).run(s.id);
      db.prepare(`DELETE FROM embedding_metadata WHERE id IN (${ids})`).run(s.id);
      if (w.era.arrays) db.prepare(`DELETE FROM embedding_metadata_array WHERE id IN (${ids})`).run(s.id);
      db.prepare('DELETE FROM embeddings WHERE segment_id = ?').run(s.id);
    }
    db.prepare('DELETE FROM segment_metadata WHERE segment_id = ?').run(s.id);
    db.prepare('DELETE FROM max_seq_id WHERE segment_id = ?').run(s.id);
  }
  db.prepare('DELETE FROM segments WHERE collection = ?').run(collectionId);
  db.prepare('DELETE FROM collection_metadata WHERE collection_id = ?').run(collectionId);
  db.prepare('DELETE FROM embeddings_queue WHERE topic = ?').run(topic);
  db.prepare('DELETE FROM collections WHERE id = ?').run(collectionId);
  return segments.filter((s) => s.scope === 'VECTOR').map((s) => path.join(w.dir, s.id));
}

export function deleteCollection(w: FolderWriter, collectionId: string): void {
  const folders = w.immediate(() => deleteCollectionRows(w, collectionId));
  for (const f of folders) fs.rmSync(f, { recursive: true, force: true });
}

export interface ModifyCollectionInput {
  name?: string | undefined;
  metadata?: TypedMetadata | undefined;
  hnsw?: Partial<HnswConfig> | undefined;
}

export function modifyCollection(w: FolderWriter, collectionId: string, input: ModifyCollectionInput): void {
  const era = w.era;
  w.immediate(() => {
    const db = w.db;
    if (!db.prepare('SELECT 1 FROM collections WHERE id = ?').get(collectionId)) throw notFound(`Collection ${collectionId} does not exist`);
    if (input.name !== undefined) {
      try {
        db.prepare('UPDATE collections SET name = ? WHERE id = ?').run(input.name, collectionId);
      } catch (err) {
        if (isUnique(err)) {
          throw new InspectorError(
            'INTERNAL',
            'Database error: error returned from database: (code: 2067) UNIQUE constraint failed: collections.name, collections.database_id',
            { conflict: true },
          );
        }
        throw err;
      }
    }
    if (input.metadata !== undefined) {
      db.prepare('DELETE FROM collection_metadata WHERE collection_id = ?').run(collectionId);
      insertTypedMetadata(w, 'collection_metadata', collectionId, input.metadata);
    }
    if (input.hnsw && Object.keys(input.hnsw).length > 0) {
      const row = db.prepare(`SELECT config_json_str AS c${era.schemaStr ? ', schema_str AS s' : ''} FROM collections WHERE id = ?`).get(collectionId) as {
        c: string | null;
        s?: string | null;
      };
      if (era.schemaStr && row.s) {
        const s = updatedConfigText(row.s, input.hnsw, 'schema');
        if (s) db.prepare('UPDATE collections SET schema_str = ? WHERE id = ?').run(s, collectionId);
      } else {
        const c = updatedConfigText(row.c, input.hnsw, era.rustCore ? 'rust-config' : 'python-config');
        if (c) db.prepare('UPDATE collections SET config_json_str = ? WHERE id = ?').run(c, collectionId);
      }
    }
  });
}

/** Chroma's reset: every collection, tenant and database goes; the default tenant and database stay. */
export function resetFolder(w: FolderWriter): void {
  w.immediate(() => {
    for (const c of w.db.prepare('SELECT id FROM collections').all() as { id: string }[]) deleteCollectionRows(w, c.id);
    const db = w.db;
    for (const table of ['segments', 'segment_metadata', 'max_seq_id', 'embeddings', 'embedding_metadata', 'embeddings_queue']) {
      db.prepare(`DELETE FROM ${table}`).run();
    }
    if (w.era.arrays) db.prepare('DELETE FROM embedding_metadata_array').run();
    db.prepare('DELETE FROM embedding_fulltext_search').run();
    db.prepare("DELETE FROM databases WHERE id <> ?").run(DEFAULT_DATABASE_ID);
    db.prepare("DELETE FROM tenants WHERE id <> 'default_tenant'").run();
  });
  for (const f of listSegmentFolders(w.dir)) fs.rmSync(path.join(w.dir, f), { recursive: true, force: true });
}
