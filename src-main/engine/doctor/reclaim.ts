import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ReclaimMeasurement } from '../../../shared/models.js';
import { openReadOnly, translateSqliteError } from '../sqlite/connection.js';
import { makeTempDir, removeQuietly } from '../backup/temp-dir.js';
import { asCancelled, throwIfAborted } from '../backup/task.js';
import { SQLITE_FILE } from '../folder/folder-files.js';
import { freeDiskBytes } from './folder-checks.js';

/** One collection's purge: its WAL topic and the seq below which both segments applied every row (min(M, V)). */
export interface PurgeTarget {
  topic: string;
  below: number;
}

export interface ReclaimOptions {
  signal?: AbortSignal;
  /** Where the temporary copy goes (default: the OS temp folder). */
  tempDir?: string;
  onStep?: (message: string) => void;
}

/**
 * What purging the applied WAL rows and VACUUM would give back, measured rather than guessed: the
 * database is copied with SQLite's online backup API (the source is only read), the copy is
 * vacuumed (VACUUM alone), then purged by Chroma's rule — every collection's rows below
 * min(M, V), the row at it kept (docs/format.md §4.6) — and vacuumed again; the copy is removed.
 * Returns why it did not measure instead when the temp folder lacks the space (up to three times the database).
 */
export async function measureReclaim(folderDir: string, targets: PurgeTarget[], opts: ReclaimOptions = {}): Promise<ReclaimMeasurement | string> {
  const started = Date.now();
  const source = join(folderDir, SQLITE_FILE);
  const databaseBytes = statSync(source).size;
  const base = opts.tempDir;
  const free = freeDiskBytes(base ?? tmpdir());
  // The copy, plus VACUUM's rebuilt copy and its journal.
  if (free !== null && free < 3 * databaseBytes) {
    return `not measured: the temporary folder has ${free} bytes free, and copying and vacuuming the ${databaseBytes}-byte database needs up to ${3 * databaseBytes}`;
  }
  const dir = await makeTempDir('chroma-inspector-reclaim-', base);
  const copy = join(dir, SQLITE_FILE);
  try {
    opts.onStep?.('copying chroma.sqlite3');
    const live = openReadOnly(source);
    try {
      await live.backup(copy, {
        progress: () => {
          throwIfAborted(opts.signal);
          return 4096;
        },
      });
    } catch (err) {
      throw translateSqliteError(asCancelled(err, opts.signal), source);
    } finally {
      live.close();
    }
    throwIfAborted(opts.signal);
    const db = new Database(copy, { fileMustExist: true });
    let walRowsPurged = 0;
    let afterVacuumBytes: number;
    try {
      // A copy of a WAL-mode database would keep its pages in chroma.sqlite3-wal after VACUUM.
      db.pragma('journal_mode = DELETE');
      opts.onStep?.('VACUUM of the copy');
      db.exec('VACUUM');
      afterVacuumBytes = statSync(copy).size;
      throwIfAborted(opts.signal);
      opts.onStep?.('purging the applied WAL rows of the copy');
      const del = db.prepare('DELETE FROM embeddings_queue WHERE topic = ? AND seq_id < ?');
      db.transaction(() => {
        for (const t of targets) if (t.below > 0) walRowsPurged += del.run(t.topic, t.below).changes;
      })();
      throwIfAborted(opts.signal);
      opts.onStep?.('VACUUM of the purged copy');
      db.exec('VACUUM');
    } catch (err) {
      throw translateSqliteError(err, copy);
    } finally {
      db.close();
    }
    const afterPurgeAndVacuumBytes = statSync(copy).size;
    return {
      databaseBytes,
      afterVacuumBytes,
      afterPurgeAndVacuumBytes,
      reclaimableBytes: databaseBytes - afterPurgeAndVacuumBytes,
      walRowsPurged,
      elapsedMs: Date.now() - started,
    };
  } finally {
    await removeQuietly(dir);
  }
}
