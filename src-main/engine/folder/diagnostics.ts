import type { ActivityInfo, EraInfo, FolderInfo, Orphans, Problem, TenantInfo } from '../../../shared/models.js';
import type { Catalog } from '../catalog/read-catalog.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import type { FolderContext } from '../collection/folder-context.js';
import type { SqliteDatabase } from '../sqlite/connection.js';
import type { SchemaProbe } from '../sqlite/schema-probe.js';
import { detectActivity } from './activity.js';
import { SQLITE_FILE, listFolderFiles } from './folder-files.js';
import { findOrphans } from './orphans.js';

/** What the diagnostics read of an open folder (ChromaFolder is one). */
export interface DiagnosedFolder {
  readonly ctx: FolderContext;
  readonly catalog: Catalog;
  collectionReaders(): CollectionReader[];
  tenants(): TenantInfo[];
}

/** Migrations no Chroma release wrote, and 0.4.0's, which later releases reject. */
function migrationProblems(era: EraInfo): Problem[] {
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
  return problems;
}

/** Leftovers of deleted collections: harmless, but they take space. */
function orphanProblems(orphans: Orphans): Problem[] {
  const problems: Problem[] = [];
  for (const f of orphans.segmentFolders) {
    problems.push({ severity: 'info', code: 'orphan.folder', message: `segment folder ${f} belongs to no segment (left by a deleted collection)`, file: f });
  }
  for (const r of orphans.embeddingRows) {
    problems.push({ severity: 'info', code: 'orphan.embeddings', message: `${r.rows} embeddings rows belong to missing segment ${r.segmentId}`, segmentId: r.segmentId });
  }
  for (const s of orphans.maxSeqIdRows) {
    problems.push({ severity: 'info', code: 'orphan.max-seq-id', message: `max_seq_id row for missing segment ${s}`, segmentId: s });
  }
  return problems;
}

/** Each collection's HNSW checkpoint problems, or why it could not be read. */
function checkpointProblems(readers: CollectionReader[]): Problem[] {
  const problems: Problem[] = [];
  for (const reader of readers) {
    try {
      const cp = reader.checkpointSummary();
      for (const p of cp?.problems ?? []) problems.push({ ...p, collectionId: reader.id });
    } catch (err) {
      problems.push({ severity: 'error', code: 'hnsw.unreadable', message: (err as Error).message, collectionId: reader.id });
    }
  }
  return problems;
}

/** The WAL's rows and seq range, and whether Chroma purges it (problems for what cannot be read or grows unbounded). */
function walState(db: SqliteDatabase, probe: SchemaProbe, problems: Problem[]) {
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
  return { walStats, automaticallyPurge };
}

/**
 * The folder overview: era, files, activity, WAL state and every problem found on the way
 * (migrations, orphans, HNSW checkpoints, WAL config). Table sizes are left empty: counting them
 * is slow and reported stepwise (sqlite/table-sizes.ts).
 */
export function describeFolder(folder: DiagnosedFolder, activity?: ActivityInfo): FolderInfo {
  const { db, probe, era, dir } = folder.ctx;
  const files = listFolderFiles(dir);
  const orphans = findOrphans(dir, db, probe, folder.catalog);
  const problems: Problem[] = [...migrationProblems(era), ...orphanProblems(orphans), ...checkpointProblems(folder.collectionReaders())];
  const { walStats, automaticallyPurge } = walState(db, probe, problems);
  return {
    path: dir,
    era,
    journalMode: String(db.pragma('journal_mode', { simple: true })),
    sqliteVersion: String((db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v),
    pageSize: Number(db.pragma('page_size', { simple: true })),
    files,
    totalBytes: files.reduce((s, f) => s + f.bytes, 0),
    activity: activity ?? detectActivity(dir),
    walRows: walStats.n,
    walSeqRange: walStats.lo === null || walStats.hi === null ? null : [walStats.lo, walStats.hi],
    automaticallyPurge,
    tenants: folder.tenants(),
    problems,
    orphans,
    tableSizes: [],
  };
}
