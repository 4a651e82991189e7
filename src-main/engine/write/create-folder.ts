import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InspectorError } from '../../../shared/errors.js';
import { SQLITE_FILE } from '../folder/folder-files.js';
import { chromaMigrations } from './migration-files.js';
import { cryptoModule } from '../util/node-on-demand.js';

/** The tables Rust core creates in code before running migrations (docs/format.md §2.2), as it writes them. */
export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS migrations (
                dir TEXT NOT NULL,
                version INTEGER NOT NULL,
                filename TEXT NOT NULL,
                sql TEXT NOT NULL,
                hash TEXT NOT NULL,
                PRIMARY KEY (dir, version)
            )`;
export const ACQUIRE_WRITE_TABLE = `CREATE TABLE IF NOT EXISTS acquire_write (
                id INTEGER PRIMARY KEY,
                lock_status INTEGER NOT NULL
            )`;

export const QUEUE_CONFIG_JSON = '{"automatically_purge":true,"_type":"EmbeddingsQueueConfigurationInternal"}';

/** Syncs a directory so a rename or a new file in it survives a power cut. */
export function fsyncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* not supported on this platform (Windows) */
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * Creates a new, empty Chroma folder with the schema of the newest Rust core (docs/format.md
 * §2.6): all 18 migrations applied verbatim in one transaction with their rows, one
 * `acquire_write` row (what one Rust start leaves) and purging on. The database is built under a
 * temporary name and renamed into place, so a crash never leaves a half-made chroma.sqlite3.
 * Segment folders are not created: Chroma (and our writer) make them when vectors are persisted.
 */
export function createChromaFolder(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const target = join(dir, SQLITE_FILE);
  if (existsSync(target)) throw new InspectorError('INVALID_ARGUMENT', `${target} already exists`);
  const temp = join(dir, `.${SQLITE_FILE}.creating-${cryptoModule().randomBytes(6).toString('hex')}`);
  const db = new Database(temp);
  try {
    db.pragma('foreign_keys = OFF');
    db.exec(MIGRATIONS_TABLE);
    db.exec(ACQUIRE_WRITE_TABLE);
    db.prepare('INSERT INTO acquire_write (lock_status) VALUES (TRUE)').run();
    const insert = db.prepare('INSERT INTO migrations (dir, version, filename, sql, hash) VALUES (?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (const m of chromaMigrations()) {
        db.exec(m.sql);
        insert.run(m.dir, m.version, m.filename, m.sql, m.md5);
      }
      db.prepare('INSERT INTO embeddings_queue_config (id, config_json_str) VALUES (1, ?)').run(QUEUE_CONFIG_JSON);
    })();
    db.close();
    const fd = openSync(temp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
    fsyncDir(dir);
  } catch (err) {
    if (db.open) db.close();
    rmSync(temp, { force: true });
    rmSync(`${temp}-journal`, { force: true });
    throw err;
  }
}
