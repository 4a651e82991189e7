import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { addonFunctions } from '../../../src-main/engine/util/addon-functions.js';
import { addonMissing, addonSuite } from '../../helpers/addon.js';
import { residentShare } from '../../../src-main/engine/util/page-residency.js';
import * as segmentRecords from '../../../src-main/engine/collection/segment-records.js';
import { openReadOnly } from '../../../src-main/engine/sqlite/connection.js';
import { runSteps } from '../../../src-main/engine/util/steps.js';

/**
 * Whether a file is in the OS page cache (the addon's residentShare: mincore over a read-only
 * mapping), and the count that is taken in one piece only when chroma.sqlite3 is there.
 */
const dir = mkdtempSync(join(tmpdir(), 'chroma-inspector-residency-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const stubShare = (share: number) => vi.spyOn(addonFunctions() as unknown as { residentShare: (fd: number) => number }, 'residentShare').mockReturnValue(share);

const missing = addonMissing('residentShare');

describe('residentShare', () => {
  it.runIf(process.platform === 'linux' && missing === null)(addonSuite('is 1 for a file just written (its pages are cached), and 1 for an empty one', missing), () => {
    const file = join(dir, 'written.bin');
    writeFileSync(file, Buffer.alloc(3 * 1024 * 1024, 7));
    expect(residentShare(file)).toBe(1);
    writeFileSync(join(dir, 'empty.bin'), '');
    expect(residentShare(join(dir, 'empty.bin'))).toBe(1);
  });

  it.skipIf(missing !== null)(addonSuite('is null for a file it cannot open, and where the addon cannot tell', missing), () => {
    expect(residentShare(join(dir, 'no-such-file'))).toBeNull();
    writeFileSync(join(dir, 'some.bin'), 'x');
    stubShare(-1);
    expect(residentShare(join(dir, 'some.bin'))).toBeNull();
  });

  it.skipIf(missing !== null)(addonSuite('declines what is not a file descriptor', missing), () => {
    const native = addonFunctions().residentShare as unknown as (...args: unknown[]) => number;
    for (const bad of [-1, 1.5, '3', 2 ** 40, undefined]) expect(native(bad), String(bad)).toBe(-1);
  });
});

describe('a count in one piece only when the database is in the page cache', () => {
  function embeddings(rows: number): string {
    const file = join(dir, `count-${rows}-${Math.random().toString(36).slice(2)}.sqlite3`);
    const w = new Database(file);
    w.exec('CREATE TABLE embeddings (id INTEGER PRIMARY KEY, segment_id TEXT NOT NULL, embedding_id TEXT NOT NULL, seq_id BLOB NOT NULL, UNIQUE (segment_id, embedding_id))');
    const insert = w.prepare('INSERT INTO embeddings (segment_id, embedding_id, seq_id) VALUES (?, ?, ?)');
    w.transaction(() => {
      for (let i = 0; i < rows; i++) insert.run('a', `id-${i}`, i);
    })();
    w.close();
    return file;
  }

  it.skipIf(missing !== null)(addonSuite('counts in one piece when cached, in ranges when not, and the same number either way', missing), () => {
    const db = openReadOnly(embeddings(5000));
    // Ranges prepare their own statement (a count over a range of internal ids); one piece does not.
    const ranged: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      if (/id >= \?/.test(sql)) ranged.push(sql);
      return prepare(sql);
    }) as typeof db.prepare;
    try {
      const count = (below: number) => runSteps(segmentRecords.segmentRecordCountSteps(db, 'a', (fn) => fn(), 1000, { onePieceCachedBelowIds: below }));
      stubShare(1);
      expect(count(10_000)).toBe(5000);
      expect(ranged).toEqual([]);
      stubShare(0.5);
      expect(count(10_000)).toBe(5000);
      expect(ranged).toHaveLength(1);
      // Past the bound: ranges, however cached.
      stubShare(1);
      expect(count(4000)).toBe(5000);
      expect(ranged).toHaveLength(2);
    } finally {
      db.close();
    }
  });

  it('counts in one piece below `onePieceBelowIds`, after one pause: a caller that starts the steps beside other work counts when it next waits', () => {
    const db = openReadOnly(embeddings(5000));
    try {
      const steps = segmentRecords.segmentRecordCountSteps(db, 'a', (fn) => fn(), 1000, { onePieceBelowIds: 10_000 });
      // The first step only looks at the table's bounds; the count is the second.
      const first = steps.next();
      expect(first.done).toBe(false);
      const second = steps.next();
      expect(second).toEqual({ done: true, value: 5000 });
      // A table within one step is counted at once, with no pause.
      const small = segmentRecords.segmentRecordCountSteps(db, 'a', (fn) => fn(), 10_000, { onePieceBelowIds: 10_000 });
      expect(small.next()).toEqual({ done: true, value: 5000 });
    } finally {
      db.close();
    }
  });
});
