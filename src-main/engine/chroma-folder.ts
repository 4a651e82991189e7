import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type {
  CollectionInfo,
  CollectionRef,
  FolderInfo,
  GetResult,
  Problem,
  QueryResult,
  TableSize,
  TenantInfo,
} from '../../shared/models.js';
import { InspectorError } from '../../shared/errors.js';
import { guardSqlite, openReadOnly, type SqliteDatabase } from './sqlite/connection.js';
import { SchemaProbe } from './sqlite/schema-probe.js';
import { detectEra } from './folder/detect-era.js';
import { SQLITE_FILE, listFolderFiles } from './folder/folder-files.js';
import { detectActivity } from './folder/activity.js';
import { findOrphans } from './folder/orphans.js';
import { DEFAULT_DATABASE, DEFAULT_TENANT, readCatalog, type Catalog } from './catalog/read-catalog.js';
import { CollectionReader } from './collection/collection-reader.js';
import type { FolderContext } from './collection/folder-context.js';
import { registerRegexp } from './filter/compile-sql.js';
import { validateGetArgs, validateQueryArgs } from './query/validate-args.js';
import { runGet } from './query/run-get.js';
import { runQuery } from './query/run-query.js';
import { toNumberArray, visibleMetadata } from './query/format-results.js';

/**
 * An open Chroma persistent folder, read-only. Everything a user can see goes through here; the
 * folder is never written (no journal, no side files, no migrations).
 */
export class ChromaFolder {
  private readonly readers = new Map<string, CollectionReader>();
  private catalogState: Catalog;
  private dataVersion: number;

  private constructor(
    readonly ctx: FolderContext,
    catalog: Catalog,
  ) {
    this.catalogState = catalog;
    this.dataVersion = this.readDataVersion();
    this.buildReaders();
  }

  get catalog(): Catalog {
    return this.catalogState;
  }

  private buildReaders() {
    this.readers.clear();
    for (const c of this.catalogState.collections) this.readers.set(c.id, new CollectionReader(this.ctx, c));
  }

  private readDataVersion(): number {
    return Number(this.ctx.db.pragma('data_version', { simple: true }));
  }

  /**
   * Re-reads the catalog and drops every collection's cached state (WAL overlay, vectors, column
   * caches), so reads see what was committed since. The embedded client calls it after writes.
   */
  refresh(): void {
    this.dataVersion = this.readDataVersion();
    this.catalogState = guardSqlite(this.ctx.sqliteFile, () => readCatalog(this.ctx.db, this.ctx.probe));
    this.buildReaders();
  }

  /**
   * Another process (a running Chroma) may have committed since we last looked: SQLite's
   * data_version says so cheaply, and then everything is rebuilt on next use.
   */
  refreshIfChanged(): boolean {
    if (this.readDataVersion() === this.dataVersion) return false;
    this.refresh();
    return true;
  }

  static open(path: string): ChromaFolder {
    const dir = resolve(path);
    if (!existsSync(dir)) throw new InspectorError('NOT_FOUND', `Folder ${dir} does not exist`, { path: dir });
    if (!statSync(dir).isDirectory()) {
      throw new InspectorError('NOT_A_CHROMA_FOLDER', `${dir} is a file, not a Chroma folder`, { path: dir });
    }
    const sqliteFile = join(dir, SQLITE_FILE);
    if (!existsSync(sqliteFile)) {
      if (existsSync(join(dir, 'chroma-collections.parquet'))) {
        throw new InspectorError(
          'UNSUPPORTED_FORMAT',
          `${dir} is a pre-0.4 Chroma folder (duckdb+parquet: chroma-collections.parquet); convert it with chroma-migrate first`,
          { path: dir },
        );
      }
      throw new InspectorError('NOT_A_CHROMA_FOLDER', `${dir} has no ${SQLITE_FILE}: not a Chroma persistent folder`, { path: dir });
    }
    if (statSync(sqliteFile).size === 0) {
      throw new InspectorError('CORRUPT_SQLITE', `${sqliteFile} is empty (0 bytes)`, { file: sqliteFile });
    }
    const db = openReadOnly(sqliteFile, { register: registerRegexp });
    try {
      return guardSqlite(sqliteFile, () => {
        const probe = new SchemaProbe(db);
        if (!probe.hasTable('migrations') || !probe.hasTable('collections') || !probe.hasTable('segments')) {
          throw new InspectorError(
            'NOT_A_CHROMA_FOLDER',
            `${sqliteFile} is a SQLite database but not Chroma's (no migrations/collections/segments tables)`,
            { file: sqliteFile },
          );
        }
        const era = detectEra(db, probe);
        const ctx: FolderContext = {
          dir,
          sqliteFile,
          db,
          probe,
          era,
          filterContext: {
            hasArrayTable: probe.hasTable('embedding_metadata_array'),
            ftsTable: probe.hasTable('embedding_fulltext_search')
              ? 'embedding_fulltext_search'
              : probe.hasTable('embedding_fulltext')
                ? 'embedding_fulltext'
                : null,
            hasBoolColumn: probe.hasColumn('embedding_metadata', 'bool_value'),
          },
        };
        return new ChromaFolder(ctx, readCatalog(db, probe));
      });
    } catch (err) {
      db.close();
      throw err;
    }
  }

  get dir(): string {
    return this.ctx.dir;
  }

  get db(): SqliteDatabase {
    return this.ctx.db;
  }

  close(): void {
    if (this.ctx.db.open) this.ctx.db.close();
  }

  private guard<T>(fn: () => T): T {
    return guardSqlite(this.ctx.sqliteFile, () => {
      this.refreshIfChanged();
      return fn();
    });
  }

  collectionReaders(): CollectionReader[] {
    this.refreshIfChanged();
    return [...this.readers.values()];
  }

  /** Finds a collection by name within a tenant/database (defaults: default_tenant/default_database), or by id. */
  collection(ref: CollectionRef | string): CollectionReader {
    this.refreshIfChanged();
    if (typeof ref === 'string') {
      const r = this.readers.get(ref);
      if (!r) throw new InspectorError('NOT_FOUND', `Collection ${ref} does not exist`, { id: ref });
      return r;
    }
    const tenant = ref.tenant ?? DEFAULT_TENANT;
    const database = ref.database ?? DEFAULT_DATABASE;
    const found = this.collectionReaders().find(
      (r) => r.catalog.name === ref.name && r.catalog.tenant === tenant && r.catalog.database === database,
    );
    if (!found) {
      const elsewhere = this.collectionReaders().filter((r) => r.catalog.name === ref.name);
      const hint = elsewhere.length
        ? ` (a collection of that name exists in ${elsewhere.map((r) => `${r.catalog.tenant}/${r.catalog.database}`).join(', ')})`
        : '';
      throw new InspectorError('NOT_FOUND', `Collection ${ref.name} does not exist in ${tenant}/${database}${hint}`, {
        name: ref.name,
        tenant,
        database,
      });
    }
    return found;
  }

  count(ref: CollectionRef | string): number {
    return this.guard(() => this.collection(ref).count());
  }

  get(ref: CollectionRef | string, args: unknown): GetResult {
    const spec = validateGetArgs(args);
    return this.guard(() => {
      const reader = this.collection(ref);
      const include = [...spec.include];
      const out = runGet(reader, spec, { withContents: include.some((f) => f !== 'embeddings') });
      const result: GetResult = { ids: [], documents: [], metadatas: [], embeddings: [], uris: [], include };
      const vectors = include.includes('embeddings') ? reader.vectors() : null;
      for (const r of out.records) {
        result.ids.push(r.id);
        if (include.includes('documents')) result.documents.push(r.document);
        if (include.includes('metadatas')) result.metadatas.push(visibleMetadata(r.metadata));
        if (include.includes('uris')) result.uris.push(r.uri);
        if (vectors) {
          const label = vectors.idToLabel.get(r.id);
          const vec = label === undefined ? undefined : vectors.original(label);
          if (!vec) {
            throw new InspectorError('INTERNAL_ID_NOT_FOUND', `Error finding id ${r.id}: the record has no vector in the index`, { id: r.id });
          }
          result.embeddings.push(toNumberArray(vec));
        }
      }
      return result;
    });
  }

  query(ref: CollectionRef | string, args: unknown): QueryResult {
    const spec = validateQueryArgs(args);
    return this.guard(() => runQuery(this.collection(ref), spec));
  }

  collectionInfo(ref: CollectionRef | string): CollectionInfo {
    return this.guard(() => this.collection(ref).info());
  }

  tenants(): TenantInfo[] {
    return this.guard(() =>
      this.catalog.tenants.map((tenant) => ({
        name: tenant,
        databases: this.catalog.databases
          .filter((d) => d.tenant === tenant)
          .map((d) => ({
            id: d.id,
            name: d.name,
            tenant,
            collections: this.collectionReaders()
              .filter((r) => r.catalog.tenant === tenant && r.catalog.database === d.name)
              .sort((a, b) => a.catalog.name.localeCompare(b.catalog.name))
              .map((r) => ({
                id: r.id,
                name: r.catalog.name,
                tenant,
                database: d.name,
                dimension: r.dimension,
                count: this.safeCount(r),
              })),
          })),
      })),
    );
  }

  private safeCount(r: CollectionReader): number {
    try {
      return r.count();
    } catch {
      return -1;
    }
  }

  /**
   * Rows and bytes of every table, one table at a time so a host can report progress and stop
   * between tables (counting a WAL of millions of rows takes a while).
   */
  *tableSizesStepwise(): Generator<{ size: TableSize; done: number; total: number }> {
    const bytes = new Map<string, number>();
    this.guard(() => {
      try {
        for (const row of this.db.prepare('SELECT name, sum(pgsize) AS b FROM dbstat GROUP BY name').all() as { name: string; b: number }[]) {
          bytes.set(row.name, row.b);
        }
      } catch {
        /* dbstat not compiled in */
      }
    });
    const tables = this.ctx.probe.tableNames();
    for (let i = 0; i < tables.length; i++) {
      const table = tables[i]!;
      const rows = this.guard(() => (this.db.prepare(`SELECT count(*) AS n FROM "${table.replace(/"/g, '""')}"`).get() as { n: number }).n);
      yield { size: { table, rows, bytes: bytes.get(table) ?? null }, done: i + 1, total: tables.length };
    }
  }

  tableSizes(): TableSize[] {
    return [...this.tableSizesStepwise()].map((s) => s.size);
  }

  info(): FolderInfo {
    return this.guard(() => {
      const { db, probe, era, dir } = this.ctx;
      const files = listFolderFiles(dir);
      const orphans = findOrphans(dir, db, probe, this.catalog);
      const problems: Problem[] = [];
      if (!era.migrationsVerified) {
        for (const m of era.migrations.filter((x) => x.status !== 'ok')) {
          problems.push({
            severity: 'warning',
            code: m.status === 'unknown' ? 'migration.unknown' : 'migration.hash-mismatch',
            message:
              m.status === 'unknown'
                ? `migration ${m.dir}/${m.filename} is not one Chroma released (a dev build?); real Chroma may refuse this folder`
                : `migration ${m.dir}/${m.filename} has hash ${m.hash}, which no Chroma release wrote; real Chroma refuses to start on it`,
            file: SQLITE_FILE,
          });
        }
      }
      if (era.label === '0.4.0') {
        problems.push({ severity: 'warning', code: 'migration.v040', message: 'written by Chroma 0.4.0, whose metadb/00001 every later release rejects', file: SQLITE_FILE });
      }
      for (const f of orphans.segmentFolders) {
        problems.push({ severity: 'info', code: 'orphan.folder', message: `segment folder ${f} belongs to no segment (left by a deleted collection)`, file: f });
      }
      for (const r of orphans.embeddingRows) {
        problems.push({ severity: 'info', code: 'orphan.embeddings', message: `${r.rows} embeddings rows belong to missing segment ${r.segmentId}`, segmentId: r.segmentId });
      }
      for (const s of orphans.maxSeqIdRows) {
        problems.push({ severity: 'info', code: 'orphan.max-seq-id', message: `max_seq_id row for missing segment ${s}`, segmentId: s });
      }
      for (const reader of this.collectionReaders()) {
        try {
          const cp = reader.checkpointSummary();
          for (const p of cp?.problems ?? []) problems.push({ ...p, collectionId: reader.id });
        } catch (err) {
          problems.push({ severity: 'error', code: 'hnsw.unreadable', message: (err as Error).message, collectionId: reader.id });
        }
      }
      const walStats = probe.hasTable('embeddings_queue')
        ? (db.prepare('SELECT count(*) AS n, min(seq_id) AS lo, max(seq_id) AS hi FROM embeddings_queue').get() as { n: number; lo: number | null; hi: number | null })
        : { n: 0, lo: null, hi: null };
      let automaticallyPurge: boolean | null = null;
      if (probe.hasTable('embeddings_queue_config')) {
        const row = db.prepare('SELECT config_json_str AS j FROM embeddings_queue_config WHERE id = 1').get() as { j: string } | undefined;
        try {
          automaticallyPurge = row ? Boolean(JSON.parse(row.j).automatically_purge) : null;
        } catch {
          problems.push({ severity: 'warning', code: 'wal.config', message: 'embeddings_queue_config holds unparseable JSON', file: SQLITE_FILE });
        }
      }
      if (automaticallyPurge === false && walStats.n > 0) {
        problems.push({ severity: 'info', code: 'wal.no-purge', message: 'WAL purging is off: the WAL grows until `chroma utils vacuum`', file: SQLITE_FILE });
      }
      return {
        path: dir,
        era,
        journalMode: String(db.pragma('journal_mode', { simple: true })),
        sqliteVersion: String((db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v),
        pageSize: Number(db.pragma('page_size', { simple: true })),
        files,
        totalBytes: files.reduce((s, f) => s + f.bytes, 0),
        activity: detectActivity(dir),
        walRows: walStats.n,
        walSeqRange: walStats.lo === null || walStats.hi === null ? null : [walStats.lo, walStats.hi],
        automaticallyPurge,
        tenants: this.tenants(),
        problems,
        orphans,
        tableSizes: [],
      };
    });
  }
}
