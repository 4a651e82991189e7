import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { OFF_THREAD_ENV, offThreadReadStats, offThreadTuning, readNumbersOffThread, resetOffThreadLoadFailure, stopOffThreadReads } from '../../../src-main/engine/sqlite/off-thread-read.js';
import { runSteps, runStepsSliced, type StepPause, type Steps } from '../../../src-main/engine/util/steps.js';
import { openReadOnly } from '../../../src-main/engine/sqlite/connection.js';
import { until } from '../../helpers/wait-for.js';

/**
 * A read a worker thread answers on its own connection (sqlite/off-thread-read.ts): the engine's
 * thread waits in steps, and anything that goes wrong answers null so that the caller reads it
 * itself. Checked against the same statement run on this thread.
 */
const dir = mkdtempSync(join(tmpdir(), 'chroma-inspector-off-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let made = 0;
function database(rows: number): Database.Database {
  const db = new Database(join(dir, `db${made++}.sqlite3`));
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= rows; i++) insert.run(i * 3 - 7, i % 7 === 0 ? 'seven' : `n${i}`);
  })();
  return db;
}

const open: Database.Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) {
    stopOffThreadReads(db);
    db.close();
  }
  delete process.env[OFF_THREAD_ENV];
});
function opened(rows = 5000): Database.Database {
  const db = database(rows);
  open.push(db);
  return db;
}

const SQL = "SELECT id FROM t WHERE v = ? AND id > ? ORDER BY id";
/** Runs `steps` sliced and cancels them at their first pause `afterMs` or more after the start (0: the first, the worker just asked). */
function cancelledAtPause<T>(steps: Steps<T>, afterMs: number): Promise<T> {
  const ac = new AbortController();
  const since = performance.now();
  const aborting = (function* () {
    try {
      for (let r = steps.next(); ; r = steps.next()) {
        if (r.done) return r.value;
        if (performance.now() - since >= afterMs) ac.abort();
        yield r.value;
      }
    } finally {
      // Stopped at a pause: the read's own `finally` runs, as it would inside the caller's steps.
      steps.return(undefined as T);
    }
  })();
  return runStepsSliced(aborting, { signal: ac.signal });
}

/** The caller's snapshot: none here (each test's reads are checked against this thread's own). */
const here = <T>(fn: () => T): T => fn();

describe('reads off the engine thread', () => {
  it('answers what the statement answers on this thread, waiting in steps (sliced and run through)', async () => {
    const db = opened();
    const want = db.prepare(SQL).pluck().all('seven', 100) as number[];
    expect(want.length).toBeGreaterThan(500);
    const answered = offThreadReadStats.answered;
    let pauses = 0;
    const steps = readNumbersOffThread(db, SQL, ['seven', 100], here);
    const counting = (function* () {
      for (let r = steps.next(); ; r = steps.next()) {
        if (r.done) return r.value;
        if ((r.value as StepPause) !== undefined) pauses++;
        yield r.value;
      }
    })();
    const sliced = await runStepsSliced(counting);
    expect([...sliced!]).toEqual(want);
    expect(pauses, 'waits for the worker as a pause of the steps').toBeGreaterThan(0);
    // The same worker again, run through (Atomics.wait), and a negative id bound.
    expect([...runSteps(readNumbersOffThread(db, SQL, ['seven', -100], here))!]).toEqual(db.prepare(SQL).pluck().all('seven', -100));
    expect(offThreadReadStats.answered - answered).toBe(2);
  });

  it('answers null where it cannot read, so that the caller reads itself: switched off, in memory, a bad statement', async () => {
    const db = opened(50);
    const started = offThreadReadStats.started;
    process.env[OFF_THREAD_ENV] = 'off';
    expect(runSteps(readNumbersOffThread(db, SQL, ['seven', 0], here))).toBeNull();
    delete process.env[OFF_THREAD_ENV];
    const memory = new Database(':memory:');
    expect(runSteps(readNumbersOffThread(memory, 'SELECT 1', [], here))).toBeNull();
    memory.close();
    expect(offThreadReadStats.started).toBe(started);
    // Errors in the worker (no such table, a function its connection lacks) answer null, not a throw.
    expect(runSteps(readNumbersOffThread(db, 'SELECT id FROM missing', [], here))).toBeNull();
    expect(runSteps(readNumbersOffThread(db, "SELECT id FROM t WHERE regexp('x', v)", [], here))).toBeNull();
    // And the worker still answers the next read.
    expect([...runSteps(readNumbersOffThread(db, SQL, ['seven', 0], here))!]).toEqual(db.prepare(SQL).pluck().all('seven', 0));
    // A worker that cannot load better-sqlite3 answers null at once, run through too (no 'exit' event reaches a blocked thread).
    offThreadTuning.sqliteModule = join(dir, 'no-such-module.js');
    try {
      // (Without the worker's word in shared memory this waits ten minutes: the test's time limit fails it.)
      expect(runSteps(readNumbersOffThread(opened(50), SQL, ['seven', 0], here))).toBeNull();
      // Found out once: later reads start no worker to find it out again (~60 ms each).
      const workers = offThreadReadStats.workersStarted;
      expect(runSteps(readNumbersOffThread(opened(50), SQL, ['seven', 0], here))).toBeNull();
      expect(offThreadReadStats.workersStarted).toBe(workers);
      // Sliced, the worker's 'exit' may end the wait first: found out all the same.
      resetOffThreadLoadFailure();
      expect(await runStepsSliced(readNumbersOffThread(opened(50), SQL, ['seven', 0], here))).toBeNull();
      expect(offThreadReadStats.workersStarted).toBe(workers + 1);
      expect(await runStepsSliced(readNumbersOffThread(opened(50), SQL, ['seven', 0], here))).toBeNull();
      expect(offThreadReadStats.workersStarted).toBe(workers + 1);
    } finally {
      delete offThreadTuning.sqliteModule;
      resetOffThreadLoadFailure();
    }
  });

  it('a read asked while another runs waits for it in the worker, not on this thread', async () => {
    const db = opened(3000);
    const slow = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1500000) SELECT max(x) FROM c';
    const [answered, workers] = [offThreadReadStats.answered, offThreadReadStats.workersStarted];
    const first = runStepsSliced(readNumbersOffThread(db, slow, [], here));
    const second = runStepsSliced(readNumbersOffThread(db, SQL, ['seven', 0], here));
    expect([...(await second)!]).toEqual(db.prepare(SQL).pluck().all('seven', 0));
    expect([...(await first)!]).toEqual([1500000]);
    expect(offThreadReadStats.answered - answered, 'both answered by the worker').toBe(2);
    expect(offThreadReadStats.workersStarted - workers, 'by the one worker').toBe(1);
  });

  it('a read cancelled while it waits behind another is dropped there: the other one is answered by the same worker', async () => {
    const db = opened(100);
    const slow = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1500000) SELECT max(x) FROM c';
    const [answered, workers] = [offThreadReadStats.answered, offThreadReadStats.workersStarted];
    const first = runStepsSliced(readNumbersOffThread(db, slow, [], here));
    await expect(cancelledAtPause(readNumbersOffThread(db, SQL, ['seven', 0], here), 0)).rejects.toMatchObject({ code: 'CANCELLED' });
    expect([...(await first)!]).toEqual([1500000]);
    expect(offThreadReadStats.answered - answered).toBe(1);
    expect(offThreadReadStats.workersStarted - workers, 'the worker was not ended').toBe(1);
    // And it still answers the next read.
    expect([...runSteps(readNumbersOffThread(db, SQL, ['seven', 0], here))!]).toEqual(db.prepare(SQL).pluck().all('seven', 0));
  });

  it("enters the caller's snapshot once the answer is in, and not when there is none", () => {
    const db = opened(100);
    let entered = 0;
    const snapshot = <T>(fn: () => T): T => {
      entered++;
      return fn();
    };
    expect(runSteps(readNumbersOffThread(db, SQL, ['seven', 0], snapshot))).not.toBeNull();
    expect(entered).toBe(1);
    expect(runSteps(readNumbersOffThread(db, 'SELECT id FROM missing', [], snapshot))).toBeNull();
    expect(entered).toBe(1);
  });

  it('ends the worker when its caller cancels mid-read, and starts another for the next read', async () => {
    const db = opened(100);
    // A worker up and listening first: the read below is begun within its first wait (50 ms).
    expect(runSteps(readNumbersOffThread(db, SQL, ['seven', 0], here))).not.toBeNull();
    // Cancelled at its first pause 100 ms on (begun by then, however loaded the machine), still
    // running, and short: a thread ended inside SQLite stops only when the statement returns.
    const slow = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4000000) SELECT max(x) FROM c';
    const [workers, ended] = [offThreadReadStats.workersStarted, offThreadReadStats.workersEnded];
    await expect(cancelledAtPause(readNumbersOffThread(db, slow, [], here), 100)).rejects.toMatchObject({ code: 'CANCELLED' });
    expect([...runSteps(readNumbersOffThread(db, SQL, ['seven', 0], here))!]).toEqual(db.prepare(SQL).pluck().all('seven', 0));
    expect(offThreadReadStats.workersStarted - workers, 'a new worker after the cancelled one').toBe(1);
    // The ended one lets go once SQLite returns (before the next test counts workers ending).
    await until(() => offThreadReadStats.workersEnded > ended, 'the cancelled worker to end');
  });

  it('keeps its worker through a read that starts just before the worker would end for want of reads', async () => {
    // The earlier tests' workers, stopped as their connections closed, end first: the count of
    // workers ended below is then this test's alone (one ending late made it 2 on a loaded machine).
    await until(() => offThreadReadStats.workersEnded === offThreadReadStats.workersStarted, 'the earlier workers to end');
    const db = opened(100);
    offThreadTuning.idleMs = 300;
    try {
      expect(runSteps(readNumbersOffThread(db, SQL, ['seven', 0], here))).not.toBeNull();
      const workers = offThreadReadStats.workersStarted;
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Still running when the idle time is up (its timer was set by the read before).
      const slow = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT max(x) FROM c';
      const answer = await runStepsSliced(readNumbersOffThread(db, slow, [], here));
      expect(answer && [...answer]).toEqual([3000000]);
      expect(offThreadReadStats.workersStarted).toBe(workers);
      // And it does end once idle.
      const gone = offThreadReadStats.workersEnded;
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(offThreadReadStats.workersEnded).toBe(gone + 1);
    } finally {
      offThreadTuning.idleMs = 10_000;
    }
  });

  it('reads nothing once the file was replaced under the connection (a worker would open the new one)', () => {
    const first = database(300);
    const file = first.name;
    first.close();
    const db = openReadOnly(file);
    open.push(db);
    const before = runSteps(readNumbersOffThread(db, SQL, ['seven', 0], here));
    expect(before && [...before]).toEqual(db.prepare(SQL).pluck().all('seven', 0));
    // Another database renamed over the path: `db` still reads the file it opened.
    const other = database(30);
    const replacement = other.name;
    other.close();
    renameSync(replacement, file);
    expect(runSteps(readNumbersOffThread(db, SQL, ['seven', 0], here))).toBeNull();
    expect((db.prepare(SQL).pluck().all('seven', 0) as number[]).length).toBe(before!.length);
  });

  it('sees what was committed before the read, not what this thread read earlier (the caller checks its own snapshot after)', () => {
    const db = opened(100);
    const before = db.prepare(SQL).pluck().all('seven', 0) as number[];
    db.prepare("UPDATE t SET v = 'seven' WHERE id = 2").run();
    const after = [...runSteps(readNumbersOffThread(db, SQL, ['seven', 0], here))!];
    expect(after).toEqual([...before, 2].sort((a, b) => a - b));
  });
});
