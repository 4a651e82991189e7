import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InspectorError } from '../../../shared/errors.js';
import type { SqliteDatabase } from '../sqlite/connection.js';
import { translateSqliteError } from '../sqlite/connection.js';
import { SchemaProbe } from '../sqlite/schema-probe.js';
import { decodeSeqId } from '../sqlite/seq-id.js';
import { detectEra } from '../folder/detect-era.js';
import { processesHolding, processesHoldingOffThread } from '../folder/holder-scan.js';
import { describeProcess } from '../folder/process-name.js';
import { SQLITE_FILE } from '../folder/folder-files.js';
import { writeEraOf, type WriteEra } from './write-era.js';
import { hasLeftoverSegmentFolders, recoverSegmentFolders, removeFolderAsync } from './segment-swap.js';
import { CheckpointMemo } from './checkpoint-memo.js';
import { RecentRows } from './recent-rows.js';

export interface WriterOptions {
  /** Write even though another process has the folder open (it may be a Chroma server). */
  force?: boolean;
}

/** Chroma's writers wait up to 1000 s; a library call should fail long before that. */
const BUSY_TIMEOUT_MS = 60_000;

/**
 * How long a clean "no other process" verdict stands: only within one burst of calls. A Chroma
 * opens the folder within a few hundred milliseconds of starting (observed), so a longer cache
 * would let a write slip in beside it. Scanning /proc costs a few milliseconds per write here and
 * far more on a desktop (holder-scan.ts): callers that can wait scan ahead, off this thread
 * (checkOtherProcesses).
 */
const RECHECK_MS = 20;

/**
 * A writer killed before its journal header was written leaves a journal SQLite ignores (not
 * hot: the database was never touched). It would make the read engine and activity checks report
 * a crashed writer forever, so it is removed — under a RESERVED lock, so no writer can be
 * starting a transaction meanwhile.
 */
function removeInertJournal(db: SqliteDatabase, file: string): void {
  const journal = `${file}-journal`;
  if (!existsSync(journal)) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    if (existsSync(journal)) rmSync(journal, { force: true });
  } finally {
    db.exec('ROLLBACK');
  }
}

/** FOLDER_BUSY when another process has `file` open (scanned on this thread). */
function refuseIfHeld(file: string): void {
  const holders = processesHolding(file);
  if (holders.length > 0) throw busyError(file, holders);
}

/** The refusal to write beside another process, the same at open and before each write. */
function busyError(file: string, holders: number[]): InspectorError {
  return new InspectorError(
    'FOLDER_BUSY',
    `Another process has ${file} open: ${holders.map(describeProcess).join(', ')}. Chroma takes no lock, so writing ` +
      'beside a running Chroma corrupts its caches and index files. Stop it first (from code, { force: true } writes anyway).',
    { file, pids: holders },
  );
}

/**
 * The read-write connection to a folder, with Chroma's connection settings (foreign keys OFF,
 * case-sensitive LIKE), its write era, and the guard against writing under a running Chroma.
 * Opening it rolls back a hot journal left by a killed writer, and repairs an interrupted
 * checkpoint swap.
 */
export class FolderWriter {
  /** When another-process check last found none (ms since the epoch); 0: not checked yet. */
  private clearAt = 0;
  /** Inside whileClear: the check made just before stands for the whole of its synchronous work. */
  private clearDepth = 0;
  /** The vector rows this writer committed that no checkpoint holds yet (what a persist replays). */
  readonly recent = new RecentRows();
  /** The checkpoints this writer published last, for its next persists (write/checkpoint-memo.ts). */
  readonly checkpoints = new CheckpointMemo();
  /**
   * Runs a commit of this writer's that changes nothing a reader shows (a background WAL purge of
   * rows below every checkpoint). An embedded folder sets it so that its reader keeps its caches
   * across it (ChromaFolder.keepReadersAcross); by default it just runs it.
   */
  unseenCommit: <T>(commit: () => T) => T = (commit) => commit();

  private constructor(
    readonly dir: string,
    readonly db: SqliteDatabase,
    readonly probe: SchemaProbe,
    /** The era to write in, or why this folder cannot be written. */
    private readonly eraOrError: WriteEra | InspectorError,
    private readonly force: boolean,
  ) {}

  /**
   * Opening writes nothing unless a killed writer or an interrupted swap left something to clean
   * up: only then does it look for other processes first (and refuse, FOLDER_BUSY). Otherwise the
   * first write looks (checkOtherProcesses, assertNoOtherProcess), so that an open, and every
   * read after it, never waits for the scan.
   */
  static open(dir: string, opts: WriterOptions = {}): FolderWriter {
    const file = join(dir, SQLITE_FILE);
    // Once, before the first thing the open cleans up (a journal, a swap's leftovers, wherever found).
    let checkedAt = 0;
    const lookBeforeCleaning = () => {
      if (checkedAt === 0 && !opts.force) refuseIfHeld(file);
      checkedAt ||= Date.now();
    };
    if (existsSync(`${file}-journal`) || hasLeftoverSegmentFolders(dir)) lookBeforeCleaning();
    let db: SqliteDatabase;
    try {
      db = new Database(file, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    } catch (err) {
      throw translateSqliteError(err, file);
    }
    try {
      db.pragma('foreign_keys = OFF');
      db.pragma('case_sensitive_like = ON');
      // The first read takes a shared lock, which rolls back a hot journal from a killed writer.
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      // One may have appeared since the look above.
      if (existsSync(`${file}-journal`)) lookBeforeCleaning();
      removeInertJournal(db, file);
    } catch (err) {
      db.close();
      throw translateSqliteError(err, file);
    }
    try {
      const probe = new SchemaProbe(db);
      let era: WriteEra | InspectorError;
      try {
        era = writeEraOf(detectEra(db, probe), probe);
      } catch (err) {
        if (!(err instanceof InspectorError)) throw err;
        era = err;
      }
      // Left over since the look above too (another writer of ours crashed meanwhile).
      if (!(era instanceof InspectorError) && hasLeftoverSegmentFolders(dir)) {
        lookBeforeCleaning();
        recoverSegmentFolders(dir);
      }
      const writer = new FolderWriter(dir, db, probe, era, opts.force === true);
      writer.clearAt = checkedAt;
      return writer;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** The era to write in; throws the reason when this folder must not be written. */
  get era(): WriteEra {
    if (this.eraOrError instanceof InspectorError) throw this.eraOrError;
    return this.eraOrError;
  }

  get writable(): boolean {
    return !(this.eraOrError instanceof InspectorError);
  }

  /**
   * Refuses to go on when another process (a Chroma) has the database open: FOLDER_BUSY naming it.
   * `force` skips it. Every write transaction and every checkpoint persist calls it first; it
   * scans on this thread unless a check ahead (checkOtherProcesses) still stands.
   */
  assertNoOtherProcess(): void {
    if (this.force || this.clearDepth > 0 || Date.now() - this.clearAt < RECHECK_MS) return;
    refuseIfHeld(join(this.dir, SQLITE_FILE));
    this.clearAt = Date.now();
  }

  /**
   * assertNoOtherProcess ahead of a write, with the scan in a worker thread: this thread serves
   * other calls meanwhile. Rejects with FOLDER_BUSY as it does; CANCELLED once `signal` aborts.
   */
  async checkOtherProcesses(signal?: AbortSignal): Promise<void> {
    if (this.force || Date.now() - this.clearAt < RECHECK_MS) return;
    const file = join(this.dir, SQLITE_FILE);
    const holders = await processesHoldingOffThread(file, signal);
    if (holders.length > 0) throw busyError(file, holders);
    this.clearAt = Date.now();
  }

  /**
   * Runs the synchronous `fn` (one call's writes, a checkpoint's swap: either may outlast a
   * verdict) under the verdict of the check the caller has just made, without looking again: call
   * it right after `await checkOtherProcesses()` or assertNoOtherProcess(), with nothing between.
   */
  whileClear<T>(fn: () => T): T {
    this.clearDepth++;
    try {
      return fn();
    } finally {
      this.clearDepth--;
    }
  }

  /** Runs `fn` in one `BEGIN IMMEDIATE` transaction: all of it is committed, or none. */
  immediate<T>(fn: () => T): T {
    this.assertNoOtherProcess();
    try {
      return this.db.transaction(fn).immediate();
    } catch (err) {
      if (err instanceof InspectorError || (err as { code?: unknown }).code === undefined) throw err;
      throw translateSqliteError(err, join(this.dir, SQLITE_FILE));
    }
  }

  /** A seq id in the column encoding of this era (docs/format.md §4.5): INTEGER, or 8-byte big-endian BLOB before metadb/00005. */
  seqValue(seq: number): number | Buffer {
    if (!this.era.seqIdBlob) return seq;
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(seq));
    return b;
  }

  readSeq(segmentId: string): number | null {
    const row = this.db.prepare('SELECT seq_id FROM max_seq_id WHERE segment_id = ?').get(segmentId) as { seq_id: unknown } | undefined;
    return row ? decodeSeqId(row.seq_id) : null;
  }

  setSeq(segmentId: string, seq: number): void {
    this.db
      .prepare('INSERT INTO max_seq_id (segment_id, seq_id) VALUES (?, ?) ON CONFLICT(segment_id) DO UPDATE SET seq_id = excluded.seq_id')
      .run(segmentId, this.seqValue(seq));
  }

  /**
   * The next WAL seq id, chosen explicitly (docs/format.md §4.4): above every row still in the queue and above
   * every segment's max_seq_id, so a purged or hand-cleaned WAL never makes new rows look applied.
   */
  nextSeqId(): number {
    const q = this.db.prepare('SELECT max(seq_id) AS m FROM embeddings_queue').get() as { m: number | null };
    let max = q.m ?? 0;
    for (const row of this.db.prepare('SELECT seq_id FROM max_seq_id').all() as { seq_id: unknown }[]) {
      max = Math.max(max, decodeSeqId(row.seq_id) ?? 0);
    }
    return max + 1;
  }

  /** Previous checkpoint folders being removed off this thread (hundreds of MB to unlink at a million vectors). */
  private readonly background = new Set<Promise<void>>();

  /** Removes a folder in the background; backgroundDone() waits for it. */
  removeLater(dir: string | null): void {
    if (dir) this.inBackground(removeFolderAsync(dir));
  }

  /** Work this writer does after the call that started it (it must not reject): backgroundDone() waits for it. */
  inBackground(work: Promise<void>): void {
    const tracked: Promise<void> = work.finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  /**
   * Resolves once the background work is done: every folder given to removeLater gone (or left
   * for recoverSegmentFolders), every purge of wal-purge.ts purgeWalLater finished.
   */
  async backgroundDone(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
