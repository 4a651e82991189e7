import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import { workerThreadsModule } from '../util/node-on-demand.js';
import type { SqliteDatabase } from './connection.js';
import type { Steps } from '../util/steps.js';
import { PAGE_CACHE_PRAGMA, SCAN_PAGE_CACHE_PRAGMA } from './page-cache.js';

/**
 * One read that SQLite answers in one piece, too long to hold the engine's thread for (a trigram
 * MATCH of a common phrase: ~0.3 s at a million documents, and FTS5 cannot be paged cheaply),
 * run by a worker thread on a read-only connection of its own to the same file. The engine's
 * thread waits as steps do (util/steps.ts): sliced, it serves other calls meanwhile.
 *
 * The worker reads the latest committed state when its statement starts, a snapshot of its own:
 * the caller reads in its own snapshot right after the answer arrives, so a commit in between
 * shows as a change of the folder's data (ChromaFolder.snapshot retires its readers, and work for
 * them is dropped), as between two pages read on the engine's thread.
 *
 * Anything unexpected — no worker thread, better-sqlite3 not loadable there, an error from the
 * statement, a worker that ends or stops answering — answers null, and the caller reads on its
 * own thread as before, which then reports the problem as it always has. The worker's connection
 * has no `regexp()` function: give it statements that need none.
 */

/** `off`: never start the worker (the caller reads on its own thread). Read at each read. */
export const OFF_THREAD_ENV = 'CHROMA_INSPECTOR_OFF_THREAD_READS';
/**
 * A worker unused for `idleMs` ends (and closes its connection), so an idle engine holds no extra
 * thread or file. Tests shorten it, and point `sqliteModule` (better-sqlite3's path) elsewhere.
 */
export const offThreadTuning: { idleMs: number; sqliteModule?: string } = { idleMs: 10_000 };
/** How long one wait of the steps lasts before they look again. */
const WAIT_MS = 50;
/** A read still unanswered after this long is given up (the caller reads it itself). */
const GIVE_UP_MS = 10 * 60_000;

/** A read's cell: sent (RUNNING), begun by the worker (STARTED), then DONE or FAILED; ABANDONED by its caller before the worker began it. */
const RUNNING = 0;
const DONE = 1;
const FAILED = 2;
const STARTED = 3;
const ABANDONED = 4;

/**
 * Set once a worker could not load better-sqlite3 (a build for another ABI, a sandbox): every
 * later read is the caller's at once, rather than starting a worker per read to find that out.
 * Tests reset it.
 */
let workersCannotLoad = false;
export function resetOffThreadLoadFailure(): void {
  workersCannotLoad = false;
}

/** Reads started in a worker (tests check that a read went there). */
export const offThreadReadStats = { started: 0, answered: 0, workersStarted: 0, workersEnded: 0 };

/**
 * The worker's program, as source text (it runs the same from sources, dist/ and the Electron
 * asar with no entry file to ship). better-sqlite3 comes by the path the engine resolved, so
 * the worker loads the same build (for Electron, the one built for its ABI).
 */
const PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
const loaded = new Int32Array(workerData.loaded);
let Database = null;
try {
  Database = require(workerData.sqlite);
} catch {
  // Said in shared memory: a caller waiting with Atomics.wait sees no 'exit' event.
  Atomics.store(loaded, 0, ${FAILED});
  Atomics.notify(loaded, 0);
}
if (Database !== null) listen();
function listen() {
  let db = null;
  const statements = new Map();
  let cachePragma = null;
  parentPort.on('message', ({ sql, params, cache, status, port }) => {
    const cell = new Int32Array(status);
    // Abandoned while it waited behind another read: not read at all.
    if (Atomics.compareExchange(cell, 0, ${RUNNING}, ${STARTED}) !== ${RUNNING}) {
      port.close();
      return;
    }
    try {
      if (db === null) {
        db = new Database(workerData.file, { readonly: true, fileMustExist: true, timeout: workerData.busyMs });
        db.pragma('case_sensitive_like = ON');
      }
      // The page cache the read asked for (page-cache.ts): a larger one than it needs is fresh
      // memory a long read faults in page by page (a count at a million rows: ~80 ms more).
      if (cache !== cachePragma) {
        db.pragma(cache);
        cachePragma = cache;
      }
      let stmt = statements.get(sql);
      if (!stmt) statements.set(sql, (stmt = db.prepare(sql).pluck().safeIntegers(false)));
      const values = Float64Array.from(stmt.all(...params));
      port.postMessage({ values }, [values.buffer]);
      Atomics.store(cell, 0, ${DONE});
    } catch (err) {
      port.postMessage({ error: String((err && err.message) || err) });
      Atomics.store(cell, 0, ${FAILED});
    }
    port.close();
    Atomics.notify(cell, 0);
  });
}
`;

let sqlitePath: string | null | undefined;
function betterSqlitePath(): string | null {
  if (offThreadTuning.sqliteModule !== undefined) return offThreadTuning.sqliteModule;
  if (sqlitePath === undefined) {
    try {
      sqlitePath = createRequire(import.meta.url).resolve('better-sqlite3');
    } catch {
      sqlitePath = null;
    }
  }
  return sqlitePath;
}

/** The worker reading one database file, started on first use. */
class OffThreadReader {
  private worker: Worker | null = null;
  /** FAILED once the worker could not load better-sqlite3. */
  private loaded = new Int32Array(new SharedArrayBuffer(4));
  private idleTimer: NodeJS.Timeout | null = null;
  /** Reads sent and not yet answered: the worker answers them in turn. */
  private inFlight = 0;

  constructor(
    private readonly file: string,
    private readonly busyMs: number,
  ) {}

  /**
   * `sql` (one column of numbers; the statement's values as a Float64Array) read in the worker,
   * or null when it could not be (the caller then reads it itself). A read sent while another
   * runs waits for it in the worker: its caller's thread stays free meanwhile, where reading it
   * here would hold it (e.g. a `$contains` asked while a first query's count runs).
   */
  *numbers(sql: string, params: readonly unknown[], cache: string): Steps<Float64Array | null> {
    if (workersCannotLoad) return null;
    // A worker about to end for want of reads must not end during this one.
    this.keepAlive();
    const worker = this.started();
    if (!worker) return null;
    const status = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new (workerThreadsModule().MessageChannel)();
    const ended = () => {
      // A worker that ends before or during the read (out of memory, terminated) answers nothing: stop waiting.
      if (Atomics.compareExchange(status, 0, RUNNING, FAILED) === RUNNING || Atomics.compareExchange(status, 0, STARTED, FAILED) === STARTED) {
        Atomics.notify(status, 0);
      }
    };
    worker.once('exit', ended);
    this.inFlight++;
    let settled = false;
    try {
      worker.postMessage({ sql, params, cache, status: status.buffer, port: port2 }, [port2]);
      offThreadReadStats.started++;
      const since = performance.now();
      for (let now = Atomics.load(status, 0); now === RUNNING || now === STARTED; now = Atomics.load(status, 0)) {
        if (Atomics.load(this.loaded, 0) === FAILED) break;
        if (performance.now() - since > GIVE_UP_MS) return null;
        yield { cell: status, index: 0, value: now, ms: WAIT_MS };
      }
      if (Atomics.load(this.loaded, 0) === FAILED) {
        // better-sqlite3 does not load in a worker thread here (seen here, or after its 'exit'
        // ended the wait): it will not next time either.
        workersCannotLoad = true;
        return null;
      }
      settled = true;
      const answer = workerThreadsModule().receiveMessageOnPort(port1)?.message as { values?: Float64Array } | undefined;
      if (Atomics.load(status, 0) !== DONE || !(answer?.values instanceof Float64Array)) return null;
      offThreadReadStats.answered++;
      return answer.values;
    } finally {
      worker.off('exit', ended);
      port1.close();
      this.inFlight--;
      // Abandoned (cancelled, given up) before the worker began it: marked, and the worker skips
      // it; the reads before and after it are not disturbed. Abandoned mid-read: the worker may
      // stay inside SQLite for the rest of the statement, so it is ended rather than kept; the
      // next read starts another (reads queued behind it see it end, and are read by their callers).
      if (!settled && Atomics.compareExchange(status, 0, RUNNING, ABANDONED) !== RUNNING) this.stop();
      else if (this.inFlight === 0) this.idleLater();
    }
  }

  private started(): Worker | null {
    if (this.worker) return this.worker;
    const sqlite = betterSqlitePath();
    if (!sqlite) return null;
    try {
      this.loaded = new Int32Array(new SharedArrayBuffer(4));
      const worker = new (workerThreadsModule().Worker)(PROGRAM, { eval: true, workerData: { sqlite, file: this.file, busyMs: this.busyMs, loaded: this.loaded.buffer } });
      worker.unref();
      // An error ends the worker: the read waiting on it sees 'exit'. The event only keeps it from being uncaught.
      worker.on('error', () => {});
      worker.once('exit', () => {
        offThreadReadStats.workersEnded++;
        if (this.worker === worker) this.worker = null;
      });
      offThreadReadStats.workersStarted++;
      this.worker = worker;
      return worker;
    } catch {
      return null;
    }
  }

  private idleLater(): void {
    this.keepAlive();
    this.idleTimer = setTimeout(() => this.stop(), offThreadTuning.idleMs);
    this.idleTimer.unref();
  }

  private keepAlive(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /**
   * Ends the worker. Inside SQLite it ends only once the statement returns (a thread cannot be
   * interrupted in native code): until then its connection still holds the file open.
   */
  stop(): void {
    this.keepAlive();
    const worker = this.worker;
    this.worker = null;
    void worker?.terminate();
  }
}

const readers = new WeakMap<SqliteDatabase, OffThreadReader>();

/** The file each connection opened (its device and inode), as noted by openReadOnly. */
const openedFiles = new WeakMap<SqliteDatabase, { dev: number; ino: number }>();

/** Notes the file `db` has open: a worker's connection, opened by path later, must open the same one. */
export function noteOpenedFile(db: SqliteDatabase): void {
  try {
    const { dev, ino } = statSync(db.name);
    openedFiles.set(db, { dev, ino });
  } catch {
    // Unknown: no worker reads for it (sameFileAsOpened says no).
    openedFiles.set(db, { dev: -1, ino: -1 });
  }
}

/**
 * Whether `db.name` is still the file `db` opened: a database replaced by a rename meanwhile (a
 * restore, a tool) keeps being read through the old file by `db`, and a worker opening the path
 * would read the new one, with nothing to tell the two apart. Unnoted connections count as same.
 */
function sameFileAsOpened(db: SqliteDatabase): boolean {
  const opened = openedFiles.get(db);
  if (!opened) return true;
  try {
    const { dev, ino } = statSync(db.name);
    return dev === opened.dev && ino === opened.ino;
  } catch {
    return false;
  }
}

/**
 * `sql`'s one column of numbers read by a worker on its own connection to `db`'s file, waiting in
 * steps; null when that cannot be done (OFF_THREAD_ENV off, an in-memory database, its file
 * replaced since `db` opened it, no worker, a read of this connection's already under way, a
 * failure): the caller reads it itself.
 */
export function* readNumbersOffThread(
  db: SqliteDatabase,
  sql: string,
  params: readonly unknown[],
  /** The caller's read snapshot (ChromaFolder.snapshot): entered once the answer is in. */
  inSnapshot: <T>(fn: () => T) => T,
  /** A read that visits each page once (a count): the worker's connection reads it with a page cache of a few pages. */
  opts: { scan?: boolean } = {},
): Steps<Float64Array | null> {
  if (process.env[OFF_THREAD_ENV] === 'off' || !db.open || db.memory || !db.name || !sameFileAsOpened(db)) return null;
  let reader = readers.get(db);
  if (!reader) readers.set(db, (reader = new OffThreadReader(db.name, 5000)));
  const values = yield* reader.numbers(sql, params, opts.scan ? SCAN_PAGE_CACHE_PRAGMA : PAGE_CACHE_PRAGMA);
  // Checked again after: the worker may have opened the path once it pointed elsewhere.
  if (!values || !sameFileAsOpened(db)) return null;
  // The worker read a snapshot of its own: a read in the caller's now shows whether a commit came
  // between (the caller then drops what it read, as between two of its own steps).
  inSnapshot(() => undefined);
  return values;
}

/**
 * Ends `db`'s read worker, if it has one (before the connection closes). A worker in the middle of
 * a statement ends, and lets go of the file, once SQLite returns from it (sub-second: the reads
 * given to it are single statements the engine's thread would otherwise have run).
 */
export function stopOffThreadReads(db: SqliteDatabase): void {
  readers.get(db)?.stop();
  readers.delete(db);
}
