import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeptGetPage } from '../../src-main/engine/collection/kept-get-page.js';
import type { MatchedRecord } from '../../src-main/engine/query/run-get.js';
import { validateGetArgs } from '../../src-main/engine/query/validate-args.js';

// The pages of gets read ahead (collection/kept-get-page.ts): kept per get, taken once, a few at
// once within a record budget, and let go when no get takes them.

const records = (n: number): MatchedRecord[] => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, internalId: i + 1, metadata: null, document: null, uri: null, fromWal: false }));
const spec = (where: Record<string, unknown>, limit?: number) => validateGetArgs({ where, ...(limit !== undefined ? { limit } : {}) });

afterEach(() => {
  vi.useRealTimers();
});

describe('pages of gets kept ahead', () => {
  it('are taken once, by the get with the same filters, page and contents', () => {
    const kept = new KeptGetPage();
    const page = records(3);
    kept.keep(spec({ a: 1 }), true, page);
    expect(kept.has(spec({ a: 1 }), true)).toBe(true);
    expect(kept.take(spec({ a: 1 }), false)).toBeNull();
    expect(kept.take(spec({ a: 1 }, 2), true)).toBeNull();
    expect(kept.take(spec({ a: 2 }), true)).toBeNull();
    expect(kept.take(spec({ a: 1 }), true)).toEqual({ records: page });
    expect(kept.take(spec({ a: 1 }), true)).toBeNull();
  });

  it('are four at most, within 250,000 records, the oldest let go first and the newest kept whatever its size', () => {
    const kept = new KeptGetPage();
    for (let i = 0; i < 5; i++) kept.keep(spec({ a: i }), true, records(10));
    expect(kept.has(spec({ a: 0 }), true)).toBe(false);
    for (let i = 1; i < 5; i++) expect(kept.has(spec({ a: i }), true)).toBe(true);
    // Within the budget, four pages: the oldest small one goes.
    kept.keep(spec({ big: 1 }), true, records(240_000));
    expect([1, 2, 3, 4].filter((i) => kept.has(spec({ a: i }), true))).toEqual([2, 3, 4]);
    // Past it: every older page goes, the newest stays.
    kept.keep(spec({ huge: 1 }), true, records(300_000));
    expect(kept.has(spec({ huge: 1 }), true)).toBe(true);
    expect(kept.has(spec({ big: 1 }), true)).toBe(false);
    expect([2, 3, 4].filter((i) => kept.has(spec({ a: i }), true))).toEqual([]);
  });

  it('are let go when no get takes them within 30 s', () => {
    vi.useFakeTimers();
    const kept = new KeptGetPage();
    kept.keep(spec({ a: 1 }), true, records(1));
    vi.advanceTimersByTime(29_000);
    kept.keep(spec({ a: 2 }), true, records(1));
    vi.advanceTimersByTime(2_000);
    expect(kept.has(spec({ a: 1 }), true)).toBe(false);
    expect(kept.has(spec({ a: 2 }), true)).toBe(true);
    vi.advanceTimersByTime(30_000);
    expect(kept.take(spec({ a: 2 }), true)).toBeNull();
  });
});
