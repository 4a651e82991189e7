import type { DoctorCollection, DoctorReport, FolderInfo, StorageReport } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import { ChromaFolder } from '../chroma-folder.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import type { VectorState } from '../collection/vector-state.js';
import { ProgressReporter, throwIfAborted, type TaskOptions } from '../backup/task.js';
import { toolVersion } from '../backup/tool-version.js';
import { Findings, type CollectionFindings } from './findings.js';
import { checkDiskForVacuum, checkFolder, checkIntegrity, freeDiskBytes } from './folder-checks.js';
import { checkOrphans } from './orphan-checks.js';
import { checkCollectionWal, checkFolderWal, checkSeqEncoding, purgeSetting, walFacts } from './wal-checks.js';
import { checkHnsw } from './hnsw-checks.js';
import { checkCollectionFts, checkFolderFts } from './fts-checks.js';
import { checkConsistency } from './consistency-checks.js';
import { checkVectors } from './vector-checks.js';
import { measureStorage } from './storage.js';
import { measureReclaim, type PurgeTarget } from './reclaim.js';
import { redactReport } from './redact.js';
import { detectActivityOffThread } from '../folder/activity.js';
import { nextTurn } from '../util/next-turn.js';

export interface DoctorOptions extends TaskOptions {
  /** Measure what purge + VACUUM would reclaim, on a temporary copy of chroma.sqlite3 (slow; needs disk). */
  measureReclaim?: boolean;
  /** Leave out record ids, documents and paths, and rename collections, tenants, databases and segments. */
  private?: boolean;
  /** Where the reclaim measurement puts its copy (default: the OS temp folder). */
  tempDir?: string;
}

const NOT_MEASURED = 'Not measured: pass --measure (or measureReclaim) to purge and VACUUM a temporary copy of chroma.sqlite3.';

/** Lets a cancel (and other messages) in between steps. */
const breathe = nextTurn;

/**
 * Runs one check; a failure of the check itself becomes a finding (the report goes on), except a
 * cancel. Damage found by reading (a CORRUPT_* error) is an error-level finding.
 */
function guarded(name: string, add: CollectionFindings['add'], fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (err instanceof InspectorError && err.code === 'CANCELLED') throw err;
    const corrupt = err instanceof InspectorError && err.code.startsWith('CORRUPT');
    add({
      code: 'doctor.check-failed',
      severity: corrupt ? 'error' : 'warning',
      title: `the ${name} check could not run${corrupt ? ': the data it reads is damaged' : ''}`,
      chromaWould: corrupt ? 'Chroma reads the same data and fails or answers from damaged data.' : 'Unknown: the check did not finish.',
      fix: null,
      remedy: 'Read the note; report it if it looks like an inspector bug.',
      evidence: { numbers: {}, notes: [(err as Error).message] },
    });
  }
}

/** Every check of one collection; its vectors are loaded for the checks and released after (memory stays at one collection's). */
function diagnoseCollection(reader: CollectionReader, findings: Findings, purge: boolean | null, targets: PurgeTarget[]): DoctorCollection {
  const out = findings.collection(reader);
  const c = reader.catalog;
  // Vectors someone else (the UI) already holds stay loaded; the doctor's own are let go after.
  const hadVectors = reader.vectorsLoaded;
  // Filled by the checks (a holder, so a check that fails leaves the defaults).
  const got: { records: number; hnsw: DoctorCollection['hnsw']; vectors: VectorState | null; fts: DoctorCollection['fts'] } = {
    records: 0,
    hnsw: { folderExists: false, checkpointUsable: false, headerElements: null, capacity: null, deletedElements: null, liveElements: null, pickleIds: null, vectors: null },
    vectors: null,
    fts: null,
  };
  guarded('record count', out.add, () => (got.records = reader.count()));
  guarded('HNSW checkpoint', out.add, () => Object.assign(got, checkHnsw(reader, out, got.records)));
  // After the full checkpoint checks, V is what Chroma would use.
  let wal: ReturnType<typeof walFacts> = { rows: 0, seqRange: null, metadataSeq: 0, vectorSeq: 0, metadataLag: 0, vectorLag: 0, purgeable: 0, purgeableBytes: 0 };
  guarded('WAL figures', out.add, () => (wal = walFacts(reader)));
  targets.push({ topic: c.topic, below: Math.min(wal.metadataSeq, wal.vectorSeq) });
  guarded('WAL', out.add, () => checkCollectionWal(reader, wal, purge, out));
  guarded('seq encoding', out.add, () => checkSeqEncoding(reader, out));
  guarded('full-text index', out.add, () => (got.fts = checkCollectionFts(reader, out)));
  guarded('dimension, space and embedding function', out.add, () => checkConsistency(reader, out));
  const vectors = got.vectors;
  if (vectors) guarded('duplicate and zero vectors', out.add, () => checkVectors(reader, vectors, out));
  const seg = c.metadataSegment;
  let documents = 0;
  const countDocuments = "SELECT count(*) AS n FROM embeddings e JOIN embedding_metadata m ON m.id = e.id AND m.key = 'chroma:document' WHERE e.segment_id = ? AND m.string_value IS NOT NULL";
  if (seg) guarded('document count', out.add, () => (documents = (reader.ctx.db.prepare(countDocuments).get(seg.id) as { n: number }).n));
  if (!hadVectors) reader.release();
  const { purgeableBytes: _bytes, ...walFigures } = wal;
  return {
    id: c.id,
    name: c.name,
    tenant: c.tenant,
    database: c.database,
    dimension: reader.dimension,
    space: reader.params.space,
    spaceSource: reader.params.source,
    records: got.records,
    documents,
    wal: walFigures,
    hnsw: got.hnsw,
    fts: got.fts,
    findings: { errors: findings.count('error', c.id), warnings: findings.count('warning', c.id), infos: findings.count('info', c.id) },
  };
}

/**
 * The doctor: every check over every tenant, database and collection of a folder, read-only
 * (the folder is opened read-only; the reclaim measurement works on a temporary copy). Runs
 * step by step, each step in one short read transaction (docs/format.md §8.2), reporting progress
 * and stopping between steps when `signal` aborts (CANCELLED). `target` is an open folder or a path.
 */
export async function runDoctor(target: ChromaFolder | string, opts: DoctorOptions = {}): Promise<DoctorReport> {
  const started = Date.now();
  const folder = typeof target === 'string' ? ChromaFolder.open(target) : target;
  try {
    const findings = new Findings();
    const ids = folder.collectionReaders().map((r) => r.id);
    // Steps: the folder, SQLite's integrity check, each collection, storage, and the measurement when asked for.
    const progress = new ProgressReporter(opts.onProgress, ids.length + 3 + (opts.measureReclaim ? 1 : 0));
    const step = async <T>(message: string, fn: () => T): Promise<T> => {
      throwIfAborted(opts.signal);
      progress.report(message, true);
      const value = folder.snapshot(fn);
      progress.done++;
      await breathe();
      return value;
    };

    // The process scan runs in a worker thread: on a desktop it reads tens of thousands of fd links.
    const activity = await detectActivityOffThread(folder.dir, opts.signal);
    const { info, purge } = await step('folder, WAL and orphans', () => {
      const info: FolderInfo = folder.info({ activity });
      const { db, probe } = folder.ctx;
      const purge = purgeSetting(db, probe);
      checkFolder(info, db, findings);
      checkOrphans(folder.dir, db, probe, folder.catalog, info.orphans, findings);
      checkFolderWal(db, probe, purge, findings);
      checkFolderFts(db, probe, findings);
      return { info, purge };
    });
    await step('SQLite integrity check', () => checkIntegrity(folder.db, findings));

    const collections: DoctorCollection[] = [];
    const targets: PurgeTarget[] = [];
    for (const id of ids) {
      // The collection's vectors load ahead in slices (serve's other calls go on meanwhile); its checks then find them loaded.
      await folder.prepareVectors(id, { forQuery: false }, { ...(opts.signal ? { signal: opts.signal } : {}) }).catch((err: unknown) => {
        if (opts.signal?.aborted) throw err;
      });
      const done = await step(`collection ${collections.length + 1} of ${ids.length}`, () => {
        const reader = folder.collectionReaders().find((r) => r.id === id);
        return reader ? diagnoseCollection(reader, findings, purge, targets) : null;
      });
      if (done) collections.push(done);
    }

    const { sqlite, storage } = await step('storage', () => {
      const db = folder.db;
      const sqlite = {
        version: info.sqliteVersion,
        journalMode: info.journalMode,
        pageSize: info.pageSize,
        pages: Number(db.pragma('page_count', { simple: true })),
        freelistPages: Number(db.pragma('freelist_count', { simple: true })),
        bytes: info.files.find((f) => f.kind === 'sqlite')?.bytes ?? 0,
      };
      return { sqlite, storage: measureStorage(folder.ctx, folder.catalog, info.files, info.orphans.segmentFolders) };
    });
    const freeBytes = freeDiskBytes(folder.dir);
    const vacuumNeedsBytes = checkDiskForVacuum(freeBytes, sqlite.bytes, findings);

    let reclaim: StorageReport['reclaim'] = null;
    let reclaimNote = NOT_MEASURED;
    if (opts.measureReclaim) {
      throwIfAborted(opts.signal);
      progress.report('measuring purge + VACUUM on a temporary copy', true);
      const measured = await measureReclaim(folder.dir, targets, {
        signal: opts.signal,
        tempDir: opts.tempDir,
        onStep: (message) => progress.report(message, true),
      });
      if (typeof measured === 'string') reclaimNote = measured;
      else {
        reclaim = measured;
        reclaimNote = 'Measured on a temporary copy of chroma.sqlite3 (SQLite backup API), removed afterwards: VACUUM alone, then the applied WAL rows purged by Chroma\'s rule and VACUUM again.';
      }
      progress.done++;
    }
    progress.report('done', true);

    const sorted = findings.sorted();
    const report: DoctorReport = {
      folder: folder.dir,
      createdAt: new Date().toISOString(),
      tool: `${toolVersion().name} ${toolVersion().version}`,
      private: false,
      era: { label: info.era.label, chromaVersions: info.era.chromaVersions, rustCore: info.era.rustCore, migrationsVerified: info.era.migrationsVerified },
      sqlite,
      disk: { freeBytes, vacuumNeedsBytes },
      tenants: folder.catalog.tenants.length,
      databases: folder.catalog.databases.length,
      collections,
      findings: sorted,
      summary: { errors: findings.count('error'), warnings: findings.count('warning'), infos: findings.count('info') },
      storage: { ...storage, reclaim, reclaimNote },
      elapsedMs: Date.now() - started,
    };
    return opts.private ? redactReport(report, folder.catalog) : report;
  } finally {
    if (typeof target === 'string') folder.close();
  }
}
