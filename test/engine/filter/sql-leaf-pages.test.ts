import { describe, expect, it } from 'vitest';
import { compileLeafLegs } from '../../../src-main/engine/filter/compile-sql.js';
import { IdBitset } from '../../../src-main/engine/filter/id-bitset.js';
import { sqlLeafPages } from '../../../src-main/engine/filter/sql-leaf-pages.js';
import { whereCompare, type WhereNode } from '../../../src-main/engine/filter/where-ast.js';
import { createSegment, I, meta } from './sql-harness.js';

// A leaf's pages through an index each run in a snapshot of their own, between pauses of the
// thread. A folder just opened from disk reads its pages slowly (a page of 10,000 rows took
// 160–190 ms at 100k records), so pages shrink to what fits in about 20 ms, and grow back once
// reads are fast again; the matches are the same whatever the page sizes.

const RECORDS = 6000;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe('index pages of a SQL leaf', () => {
  const seg = createSegment('latest');
  for (let i = 0; i < RECORDS; i++) seg.insert({ id: `r${i}`, metadata: meta({ b: I(1), r: I(i) }), document: null });

  /** The leaf read in pages, the first `slowPages` of them taking 30 ms each: the rows of each page and the pauses between. */
  function read(node: WhereNode, slowPages: number) {
    const legs = compileLeafLegs(node, seg.ctx)!;
    const pages: number[] = [];
    const inSnapshot = <T,>(fn: () => T): T => {
      const rows = fn();
      if (Array.isArray(rows)) {
        pages.push(rows.length);
        if (pages.length <= slowPages) sleep(30);
      }
      return rows;
    };
    const run = sqlLeafPages(seg.db, legs, IdBitset.full(1, RECORDS), new Set(), inSnapshot, 4000);
    let pauses = 0;
    let next = run.next();
    for (; !next.done; next = run.next()) pauses++;
    // The leg that matches (an int equality also reads the float column, which matches none, after it).
    let seen = 0;
    const legPages = pages.slice(0, pages.findIndex((n) => (seen += n) >= RECORDS) + 1);
    return { matches: next.value.count(), pages: legPages, pauses };
  }

  for (const [label, node] of [
    ['an equality (by rowid)', whereCompare('b', '$eq', I(1))],
    ['a range (by value and rowid)', whereCompare('r', '$gte', I(0))],
  ] as const) {
    it(`${label}: shrink while reads are slow, a pause after each, and grow back when they are fast`, () => {
      const fast = read(node, 0);
      expect(fast.matches).toBe(RECORDS);
      // Starts at 2,048 rows and never shrinks while reads are fast.
      expect(fast.pages[0]).toBe(2048);
      expect(fast.pages.length).toBeLessThanOrEqual(4);

      const slow = read(node, 5);
      expect(slow.matches).toBe(RECORDS);
      const slowPages = slow.pages.slice(0, 5);
      // 2,048 rows took ≥ 30 ms: the next asks for about 20/30 of them, and so on down, never below 256.
      for (let i = 1; i < slowPages.length; i++) expect(slowPages[i], `page ${i}`).toBeLessThan(slowPages[i - 1]!);
      expect(Math.min(...slow.pages.slice(0, -1))).toBeGreaterThanOrEqual(256);
      expect(slow.pauses, 'a pause after each slow page').toBeGreaterThanOrEqual(5);
      // Fast again: the pages grow back past the smallest slow one.
      expect(Math.max(...slow.pages.slice(5))).toBeGreaterThan(slowPages[4]!);
    });
  }
});
