import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import Database from 'better-sqlite3';
import { acquireAsideCopy } from './aside-copy.js';
import { InspectorError } from '../../../shared/errors.js';
import { noteOpenedFile } from './off-thread-read.js';
import { PAGE_CACHE_PRAGMA } from './page-cache.js';

/**
 * The slice of better-sqlite3 the engine uses, so tests can substitute and versions can change
 * without the engine noticing.
 */
export type SqliteDatabase = Database.Database;
export type SqliteStatement = Database.Statement;

export interface OpenOptions {
  /** Extra SQL functions to register (e.g. `regexp`), after the pragmas. */
  register?: (db: SqliteDatabase) => void;
  busyTimeoutMs?: number;
}

/**
 * Opens chroma.sqlite3 without writing one byte: SQLITE_OPEN_READONLY, never `immutable` (that
 * would ignore a running Chroma's locks and allow torn reads), no journal-mode change, no DDL. A
 * WAL-mode database nobody has open is read from a private copy (walModeWithoutReader).
 * Chroma's connection-local settings are reproduced: foreign keys OFF (better-sqlite3 defaults to
 * ON) and case-sensitive LIKE (document `$contains` depends on it).
 */
export function openReadOnly(file: string, options: OpenOptions = {}): SqliteDatabase {
  let db: SqliteDatabase;
  let copy: { file: string; release(): void } | null = null;
  try {
    copy = walModeWithoutReader(file) ? acquireAsideCopy(file) : null;
    db = new Database(copy?.file ?? file, { readonly: true, fileMustExist: true, timeout: options.busyTimeoutMs ?? 5000 });
    noteOpenedFile(db);
  } catch (err) {
    copy?.release();
    throw translateSqliteError(err, file);
  }
  if (copy) {
    const close = db.close.bind(db);
    const held = copy;
    db.close = () => {
      close();
      held.release();
      return db;
    };
  }
  try {
    db.pragma('foreign_keys = OFF');
    db.pragma('case_sensitive_like = ON');
    db.pragma('temp_store = MEMORY');
    // A first count at 1M took 111 ms with better-sqlite3's 16 MB cache, 40 ms of it reading (page-cache.ts).
    db.pragma(PAGE_CACHE_PRAGMA);
    // Touch the schema now: a non-database file only fails on first read.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    options.register?.(db);
  } catch (err) {
    db.close();
    throw translateSqliteError(err, file);
  }
  return db;
}

/**
 * A database in WAL journal mode (file header bytes 18–19 = 2) whose `-shm` file does not exist:
 * nobody has it open, and even a read-only connection would create `-shm` (and `-wal`) beside it
 * — bytes written into the user's folder. Chroma never sets WAL mode, but a user's tools may have.
 * With `-shm` present a live process owns it, and reading through its shared memory is what every
 * reader of that database does.
 */
function walModeWithoutReader(file: string): boolean {
  if (existsSync(`${file}-shm`)) return false;
  const header = Buffer.alloc(20);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return false; // the open below reports it
  }
  try {
    return readSync(fd, header, 0, 20, 0) === 20 && header[18] === 2 && header[19] === 2;
  } finally {
    closeSync(fd);
  }
}

/** Maps SQLite failure codes to errors that name the file and say what is wrong with it. */
export function translateSqliteError(err: unknown, file: string): InspectorError {
  if (err instanceof InspectorError) return err;
  const e = err as { code?: string; message?: string };
  const code = e.code ?? '';
  const msg = e.message ?? String(err);
  if (code === 'SQLITE_NOTADB') {
    return new InspectorError('CORRUPT_SQLITE', `${file} is not a SQLite database (${msg})`, { file });
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return new InspectorError('CORRUPT_SQLITE', `${file} is corrupt or truncated: ${msg}`, { file });
  }
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY')) {
    return new InspectorError('FOLDER_BUSY', `${file} is locked by another process (${msg}); try again`, { file });
  }
  if (code === 'SQLITE_CANTOPEN' || /unable to open/.test(msg)) {
    return new InspectorError('NOT_FOUND', `cannot open ${file}: ${msg}`, { file });
  }
  if (code === 'SQLITE_READONLY_ROLLBACK' || /hot journal/i.test(msg)) {
    return new InspectorError(
      'FOLDER_BUSY',
      `${file} has a hot journal (a writer crashed mid-transaction); it cannot be read without a writer rolling it back`,
      { file },
    );
  }
  return new InspectorError('CORRUPT_SQLITE', `${file}: ${msg}`, { file, sqliteCode: code });
}

/** Runs `fn`, turning SQLite errors into errors that name the database file. */
export function guardSqlite<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InspectorError) throw err;
    if ((err as { code?: unknown }).code === undefined) throw err;
    throw translateSqliteError(err, file);
  }
}
