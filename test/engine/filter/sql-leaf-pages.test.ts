import { describe, expect, it } from 'vitest';
import { compileLeafLegs } from '../../../src-main/engine/filter/compile-sql.js';
import { IdBitset } from '../../../src-main/engine/filter/id-bitset.js';
import { sqlLeafPages } from '../../../src-main/engine/filter/sql-leaf-pages.js';
import { whereCompare, type WhereNode } from '../../../src-main/engine/filter/where-ast.js';
import { createSegment, I, meta } from './sql-harness.js';

// A leaf's pages through an index each run in a snapshot of their own, between pauses of the
// thread. A folder just opened from disk reads its pages slowly (a page of 10,000 rows took
// 160–190 ms at 100k records), so pages shrink to what fits in about 20 ms, and grow back once
// reads are fast again; the matches are the same whatever the page sizes. The pages are timed by
// a clock the test moves (each page costs what the test says), so the sizes do not depend on
// the machine's load.

const RECORDS = 6000;

describe('index pages of a SQL leaf', () => {
  const seg = createSegment('latest');
  for (let i = 0; i < RECORDS; i++) seg.insert({ id: `r${i}`, metadata: meta({ b: I(1), r: I(i) }), document: null });

  /**
   * The leaf read in pages of `rowsPerStep` rows at most, each page costing `costOf(page number)`
   * ms of the test's clock: the rows of each page of the matching leg, and the pauses.
   */
  function read(node: WhereNode, costOf: (page: number) => number, rowsPerStep = 4000) {
    const legs = compileLeafLegs(node, seg.ctx)!;
    let clock = 0;
    const pages: number[] = [];
    const inSnapshot = <T,>(fn: () => T): T => {
      const rows = fn();
      if (Array.isArray(rows)) clock += costOf(pages.push(rows.length) - 1);
      return rows;
    };
    const run = sqlLeafPages(seg.db, legs, IdBitset.full(1, RECORDS), new Set(), inSnapshot, rowsPerStep, undefined, () => clock);
    let pauses = 0;
    let next = run.next();
    for (; !next.done; next = run.next()) pauses++;
    // The leg that matches (an int equality also reads the float column after it, which matches none).
    let seen = 0;
    const legPages = pages.slice(0, pages.findIndex((n) => (seen += n) >= RECORDS) + 1);
    return { matches: next.value.count(), pages: legPages, pauses };
  }

  for (const [label, node] of [
    ['an equality (by rowid)', whereCompare('b', '$eq', I(1))],
    ['a range (by value and rowid)', whereCompare('r', '$gte', I(0))],
  ] as const) {
    it(`${label}: shrink while reads are slow, a pause after each, and grow back when they are fast`, () => {
      // Fast (1 ms a page): 2,048 rows, then the most a step reads.
      const fast = read(node, () => 1);
      expect(fast.matches).toBe(RECORDS);
      expect(fast.pages).toEqual([2048, 3952]);

      // 40 ms for each of the first three pages, then 1 ms: 2,048 → 1,024 → 512 → 256 (20/40 of
      // each, never below 256), then doubling back up while fast, until the rows run out.
      const slow = read(node, (page) => (page < 3 ? 40 : 1));
      expect(slow.matches).toBe(RECORDS);
      expect(slow.pages).toEqual([2048, 1024, 512, 256, 512, 1024, 624]);
      // A pause after each slow page (each took a step's time), where fast ones share a step.
      expect(slow.pauses).toBeGreaterThanOrEqual(3);
    });
  }

  it('never asks for more rows than a step reads, however slow the pages', () => {
    const small = read(whereCompare('b', '$eq', I(1)), () => 100, 100);
    expect(small.matches).toBe(RECORDS);
    expect(Math.max(...small.pages)).toBe(100);
  });
});
