import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { IdBitset } from '../../../src-main/engine/filter/id-bitset.js';
import { SqlColumnSource } from '../../../src-main/engine/filter/sql-column-source.js';
import { countTuning, segmentIdRange, segmentRecordCountSteps } from '../../../src-main/engine/collection/segment-records.js';
import { offThreadReadStats, offThreadTuning, stopOffThreadReads } from '../../../src-main/engine/sqlite/off-thread-read.js';
import { runSteps, type Steps } from '../../../src-main/engine/util/steps.js';
import { createSegment, I } from './sql-harness.js';
import { docContains, whereDocument } from '../../../src-main/engine/filter/where-ast.js';

// A records page in Chroma's order with no filter walks the "universe" bit set of the segment's
// ids. When the table holds one segment whose ids have no gap it is made from the id range alone;
// in every case it must hold exactly the ids SQL lists for the segment, less the excluded ones.

function segmentWith(n: number) {
  const seg = createSegment('latest');
  for (let i = 0; i < n; i++) seg.insert({ id: `r${i}`, metadata: new Map([['k', I(i)]]), document: null });
  return seg;
}

const sqlIds = (seg: ReturnType<typeof segmentWith>, excluded: Set<number> = new Set()) =>
  (seg.db.prepare("SELECT id FROM embeddings WHERE segment_id = 'seg' ORDER BY id").pluck().safeIntegers(false).all() as number[]).filter((id) => !excluded.has(id));

describe('the universe of a segment', () => {
  it('IdBitset.full holds exactly base … base + span − 1, for spans around word edges', () => {
    for (const span of [0, 1, 5, 31, 32, 33, 63, 64, 65, 100]) {
      const set = IdBitset.full(7, span);
      expect(set.count(), `span ${span}`).toBe(span);
      expect([...set.ids()]).toEqual(Array.from({ length: span }, (_, i) => 7 + i));
      expect(set.has(6) || set.has(7 + span)).toBe(false);
      if (span > 2) {
        set.remove(8);
        set.remove(1000);
        expect(set.count()).toBe(span - 1);
        expect(set.has(8)).toBe(false);
      }
    }
  });

  it('is the id range of a gapless lone segment, and equals what SQL lists', () => {
    const seg = segmentWith(300);
    expect(segmentIdRange(seg.db, 'seg')).toEqual({ first: 1, count: 300 });
    const excluded = new Set([5, 77, 300]);
    const universe = new SqlColumnSource(seg.db, seg.ctx, 'seg', excluded).universe();
    expect([...universe.ids()]).toEqual(sqlIds(seg, excluded));
  });

  it('is read row by row when the ids have a gap', () => {
    const seg = segmentWith(300);
    seg.db.prepare('DELETE FROM embeddings WHERE id = 150').run();
    expect(segmentIdRange(seg.db, 'seg')).toBeNull();
    const universe = new SqlColumnSource(seg.db, seg.ctx, 'seg').universe();
    expect(universe.has(150)).toBe(false);
    expect([...universe.ids()]).toEqual(sqlIds(seg));
  });

  it('is read row by row when another segment shares the table, and never holds its rows', () => {
    for (const otherName of ['aaa', 'zzz']) {
      const seg = segmentWith(100);
      seg.db.prepare("INSERT INTO embeddings (segment_id, embedding_id, seq_id) VALUES (?, 'o1', 1000)").run(otherName);
      seg.insert({ id: 'late', metadata: new Map(), document: null });
      expect(segmentIdRange(seg.db, 'seg')).toBeNull();
      const universe = new SqlColumnSource(seg.db, seg.ctx, 'seg').universe();
      expect([...universe.ids()]).toEqual(sqlIds(seg));
      expect(universe.count()).toBe(101);
    }
  });

  it('trusts the count the caller keeps: a count that does not fill the range means no range', () => {
    const seg = segmentWith(50);
    expect(segmentIdRange(seg.db, 'seg', () => 50)).toEqual({ first: 1, count: 50 });
    expect(segmentIdRange(seg.db, 'seg', () => 49)).toBeNull();
  });
});

describe("a segment's record count in steps", () => {
  it('counts what a count of its rows gives, alone and with gaps in steps of ids, beside other segments in one piece', () => {
    const lone = segmentWith(300);
    const gaps = segmentWith(300);
    gaps.db.prepare('DELETE FROM embeddings WHERE id IN (1, 150, 151, 300)').run();
    const shared = segmentWith(200);
    shared.db.prepare("INSERT INTO embeddings (segment_id, embedding_id, seq_id) VALUES ('aaa', 'o1', 1000), ('zzz', 'o2', 1001)").run();
    shared.insert({ id: 'late', metadata: new Map(), document: null });
    for (const [seg, alone] of [[lone, true], [gaps, true], [shared, false]] as const) {
      const want = seg.db.prepare("SELECT count(*) AS n FROM embeddings WHERE segment_id = 'seg'").get() as { n: number | bigint };
      for (const ids of [1, 7, 64, 100_000]) {
        let steps = 0;
        const run = segmentRecordCountSteps(seg.db, 'seg', (fn) => fn(), ids);
        let next = run.next();
        for (; !next.done; next = run.next()) steps++;
        expect(next.value, `steps of ${ids} ids`).toBe(Number(want.n));
        // Beside other segments the segment's index counts it, in one piece.
        const span = Number((seg.db.prepare('SELECT max(id) - min(id) + 1 AS n FROM embeddings').get() as { n: number | bigint }).n);
        if (ids === 1) expect(steps).toBe(alone ? span - 1 : 0);
      }
      expect(runSteps(segmentRecordCountSteps(seg.db, 'other-segment', (fn) => fn(), 7))).toBe(0);
    }
  });
});

describe('SQL leaves asked again', () => {
  it('give the same matches as SQL, however the caller changed an earlier answer', () => {
    const seg = createSegment('latest');
    for (let i = 0; i < 200; i++) seg.insert({ id: `r${i}`, metadata: new Map(), document: i % 7 === 0 ? `a needle ${i}` : `hay ${i}` });
    const expected = (text: string) =>
      (seg.db.prepare("SELECT e.id FROM embeddings e JOIN embedding_metadata m ON m.id = e.id WHERE m.key = 'chroma:document' AND instr(m.string_value, ?) > 0 ORDER BY e.id").pluck().safeIntegers(false).all(text) as number[]);
    const source = new SqlColumnSource(seg.db, seg.ctx, 'seg');
    const needle = whereDocument(docContains('needle'));
    const first = source.sqlLeaf(needle);
    expect([...first.ids()]).toEqual(expected('needle'));
    // Callers combine leaves in place (and / andNot): the kept matches must not change with them.
    first.andNot(IdBitset.full(first.base, first.span));
    expect(first.count()).toBe(0);
    expect([...source.sqlLeaf(needle).ids()]).toEqual(expected('needle'));
    expect([...source.sqlLeaf(whereDocument(docContains('hay 1'))).ids()]).toEqual(expected('hay 1'));
    expect([...source.sqlLeaf(needle).ids()]).toEqual(expected('needle'));
    expect(expected('needle').length).toBeGreaterThan(20);
  });

  it('asked to, hands a large table to the off-thread reader and waits for it; counts in ranges when it cannot', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chroma-inspector-count-'));
    const seg = createSegment('latest', join(dir, 'chroma.sqlite3'));
    const threshold = countTuning.offThreadFromIds;
    onTestFinished(() => {
      countTuning.offThreadFromIds = threshold;
      offThreadTuning.sqliteModule = undefined;
      stopOffThreadReads(seg.db);
      seg.db.close();
      rmSync(dir, { recursive: true, force: true });
    });
    for (let i = 0; i < 300; i++) seg.insert({ id: `r${i}`, metadata: new Map([['k', I(i)]]), document: null });
    seg.db.prepare('DELETE FROM embeddings WHERE id IN (2, 150, 299)').run();
    const want = Number(seg.db.prepare("SELECT count(*) FROM embeddings WHERE segment_id = 'seg'").pluck().get());
    /** Runs the steps through, waiting as runSteps does: its waits and its plain pauses, and the snapshots read. */
    const drive = (offThread: boolean) => {
      let snapshots = 0;
      const run: Steps<number> = segmentRecordCountSteps(seg.db, 'seg', (fn) => (snapshots++, fn()), 50, { offThread });
      let waits = 0;
      let pauses = 0;
      let next = run.next();
      for (; !next.done; next = run.next()) {
        if (next.value) {
          waits++;
          Atomics.wait(next.value.cell, next.value.index, next.value.value, next.value.ms);
        } else pauses++;
      }
      return { count: next.value, waits, pauses, snapshots };
    };

    countTuning.offThreadFromIds = 100;
    const answered = offThreadReadStats.answered;
    const handed = drive(true);
    expect(handed.count).toBe(want);
    expect(offThreadReadStats.answered - answered, 'counted by the worker').toBe(1);
    expect(handed.waits).toBeGreaterThan(0);
    expect(handed.pauses, 'no range counted here').toBe(0);
    // The bounds, then a look in this thread's snapshot after the worker's answer (a commit between shows there).
    expect(handed.snapshots).toBe(2);

    // Not asked, or a table below the bound: ranges of 50 ids on this thread, no worker.
    for (const [offThread, from] of [[false, 100], [true, 10_000]] as const) {
      countTuning.offThreadFromIds = from;
      const here = drive(offThread);
      expect(here.count).toBe(want);
      expect(here.waits).toBe(0);
      expect(here.pauses).toBe(5);
    }
    expect(offThreadReadStats.answered - answered).toBe(1);

    // A worker that cannot load better-sqlite3: the same count, in ranges here.
    stopOffThreadReads(seg.db);
    offThreadTuning.sqliteModule = join(dir, 'no-such-module.js');
    countTuning.offThreadFromIds = 100;
    const fallback = drive(true);
    expect(fallback.count).toBe(want);
    expect(fallback.pauses).toBe(5);
    expect(offThreadReadStats.answered - answered).toBe(1);

    // A table spanning fewer ids than the caller counts in one piece: one pause (the caller's
    // other work first), then the count in one step, no worker.
    const onePiece = segmentRecordCountSteps(seg.db, 'seg', (fn) => fn(), 50, { onePieceBelowIds: 301 });
    expect(onePiece.next()).toEqual({ done: false, value: undefined });
    expect(onePiece.next()).toEqual({ done: true, value: want });
    const ranges = segmentRecordCountSteps(seg.db, 'seg', (fn) => fn(), 50, { onePieceBelowIds: 300 });
    expect(ranges.next().done).toBe(false);
    expect(runSteps(ranges)).toBe(want);
  });
});
