import { describe, expect, it } from 'vitest';
import { PageCache } from '../../src-renderer/components/virtual-grid/page-cache.js';
import type { FetchResult } from '../../src-renderer/components/virtual-grid/grid-types.js';

interface Call {
  offset: number;
  limit: number;
  signal: AbortSignal;
  resolve(r: FetchResult<number>): void;
  reject(e: unknown): void;
}

function harness(total: number, opts: { pageSize?: number; maxPages?: number } = {}) {
  const calls: Call[] = [];
  let changes = 0;
  const cache = new PageCache<number>(
    (offset, limit, signal) =>
      new Promise((resolve, reject) => {
        calls.push({ offset, limit, signal, resolve, reject });
      }),
    () => changes++,
    { pageSize: opts.pageSize ?? 10, maxPages: opts.maxPages ?? 100 },
  );
  const answer = (c: Call) => c.resolve({ rows: Array.from({ length: Math.max(0, Math.min(c.limit, total - c.offset)) }, (_, i) => c.offset + i), total });
  return { cache, calls, answer, changes: () => changes };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('PageCache', () => {
  it('loads the first page to learn the total', async () => {
    const h = harness(1_000_000);
    h.cache.ensure(0, 0);
    expect(h.calls.map((c) => c.offset)).toEqual([0]);
    h.answer(h.calls[0]!);
    await tick();
    expect(h.cache.total).toBe(1_000_000);
    expect(h.cache.get(7)).toBe(7);
    expect(h.cache.get(10)).toBeUndefined();
    expect(h.changes()).toBe(1);
  });

  it('fetches only the visible pages, far into the list', async () => {
    const h = harness(1_000_000);
    h.cache.ensure(0, 0);
    h.answer(h.calls[0]!);
    await tick();
    h.cache.ensure(999_985, 999_999);
    expect(h.calls.slice(1).map((c) => c.offset)).toEqual([999_980, 999_990]);
    h.calls.slice(1).forEach(h.answer);
    await tick();
    expect(h.cache.get(999_999)).toBe(999_999);
  });

  it('aborts requests for pages that scrolled away and ignores their answers', async () => {
    const h = harness(1000);
    h.cache.ensure(0, 0);
    h.answer(h.calls[0]!);
    await tick();
    h.cache.ensure(500, 505);
    const stale = h.calls[1]!;
    h.cache.ensure(800, 805);
    expect(stale.signal.aborted).toBe(true);
    h.answer(stale);
    await tick();
    expect(h.cache.get(500)).toBeUndefined();
    h.answer(h.calls[2]!);
    await tick();
    expect(h.cache.get(801)).toBe(801);
  });

  it('does not refetch loaded or loading pages', async () => {
    const h = harness(100);
    h.cache.ensure(0, 0);
    h.cache.ensure(0, 5);
    expect(h.calls).toHaveLength(1);
    h.answer(h.calls[0]!);
    await tick();
    h.cache.ensure(0, 9);
    expect(h.calls).toHaveLength(1);
  });

  it('evicts least recently used pages beyond maxPages', async () => {
    const h = harness(1000, { maxPages: 2 });
    for (const first of [0, 100, 200]) {
      h.cache.ensure(first, first);
      h.answer(h.calls[h.calls.length - 1]!);
      await tick();
    }
    expect(h.cache.get(0)).toBeUndefined();
    expect(h.cache.get(200)).toBe(200);
  });

  it('records errors and stops after dispose', async () => {
    const h = harness(100);
    h.cache.ensure(0, 0);
    h.calls[0]!.reject(new Error('boom'));
    await tick();
    expect((h.cache.error as Error).message).toBe('boom');
    h.cache.ensure(0, 0);
    h.cache.dispose();
    expect(h.calls[1]!.signal.aborted).toBe(true);
  });

  it('grows an inexact total (SQL results without a count)', async () => {
    const calls: { offset: number; resolve(r: FetchResult<number>): void }[] = [];
    const cache = new PageCache<number>((offset, _l, _s) => new Promise((resolve) => calls.push({ offset, resolve })), () => undefined, { pageSize: 10 });
    cache.ensure(0, 0);
    calls[0]!.resolve({ rows: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], total: 11, totalExact: false });
    await tick();
    expect(cache.total).toBe(11);
    expect(cache.totalExact).toBe(false);
    cache.ensure(10, 10);
    calls[1]!.resolve({ rows: [10, 11], total: 12, totalExact: true });
    await tick();
    expect(cache.total).toBe(12);
    expect(cache.totalExact).toBe(true);
  });

  it('invalidates in place after a write: stale rows stay visible until their page is fetched again', async () => {
    const h = harness(25);
    h.cache.ensure(0, 0);
    h.answer(h.calls[0]!);
    await tick();
    h.cache.ensure(0, 24);
    h.calls.slice(1).forEach(h.answer);
    await tick();
    expect(h.cache.get(12)).toBe(12);
    const inFlight = h.calls.length;
    h.cache.ensure(0, 24);
    expect(h.calls.length).toBe(inFlight);

    h.cache.invalidate();
    expect(h.cache.total).toBe(25);
    expect(h.cache.get(12)).toBe(12);
    h.cache.ensure(0, 24);
    const again = h.calls.slice(inFlight);
    expect(again.map((c) => c.offset)).toEqual([0, 10, 20]);
    // The data shrank by one row: the fresh pages bring the new total and rows.
    again[0]!.resolve({ rows: Array.from({ length: 10 }, (_, i) => 100 + i), total: 20 });
    await tick();
    expect(h.cache.total).toBe(20);
    expect(h.cache.get(0)).toBe(100);
    expect(h.cache.get(12)).toBe(12);
    expect(h.cache.get(21)).toBeUndefined();
    h.cache.dispose();
    expect(again[1]!.signal.aborted).toBe(true);
    expect(h.cache.get(12)).toBeUndefined();
  });
});
