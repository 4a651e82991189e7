import { existsSync, readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { FRESH_MAPPED_BUDGET_BYTES, FRESH_MAPPING_MIN_BYTES, HUGE_PAGES_ENV, HUGE_PAGE_MIN_BYTES, adviseHugePages, freshMappedBytes, freshTyped, hugePagesAdvised, resetHugePagesForTests } from '../../../src-main/engine/util/huge-pages.js';
import { parallelInsert } from '../../../src-main/engine/hnsw/parallel-insert.js';
import { addonFunctions } from '../../../src-main/engine/util/addon-functions.js';
import { VectorArena } from '../../../src-main/engine/hnsw/simd-kernel.js';

// util/huge-pages.ts: madvise(MADV_HUGEPAGE) through our addon for the big buffers a load fills.
// The advice must cover exactly the 2 MiB-aligned part of a view, change nothing in it, and give
// huge pages where the kernel offers them.

const MiB = 1024 * 1024;
const THP_SETTING = '/sys/kernel/mm/transparent_hugepage/enabled';
/** The kernel's setting, e.g. "madvise" (the bracketed word), or null off Linux or without the file. */
const thp = existsSync(THP_SETTING) ? (/\[(\w+)\]/.exec(readFileSync(THP_SETTING, 'utf8'))?.[1] ?? null) : null;
const canAdvise = process.platform === 'linux' && parallelInsert().available && thp !== null && thp !== 'never';
/** Whether the addon maps fresh tables here (with or without huge pages behind them). */
const canMap = process.platform === 'linux' && parallelInsert().available;

/** A full collection now (the tests on freeing must not wait for V8 to choose one). */
const collectGarbage = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** Collections and turns of the event loop until Node has run the finalizers of dropped mappings. */
async function unmapDropped(mapped: () => number, target: number): Promise<void> {
  for (let turn = 0; turn < 20 && mapped() > target; turn++) {
    collectGarbage();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** This process's anonymous memory in huge pages, in bytes (Linux). */
const anonHugeBytes = () => Number(/AnonHugePages:\s+(\d+) kB/.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))?.[1] ?? 0) * 1024;

describe('huge pages for big buffers', () => {
  afterEach(() => {
    delete process.env[HUGE_PAGES_ENV];
    resetHugePagesForTests();
  });

  it('skips views malloc may serve from its heap (advice there would outlive them), and small WebAssembly memories', () => {
    expect(HUGE_PAGE_MIN_BYTES).toBeGreaterThan(32 * MiB);
    expect(adviseHugePages(new Uint8Array(new SharedArrayBuffer(16 * MiB)))).toBe(0);
    expect(adviseHugePages(new Uint8Array(HUGE_PAGE_MIN_BYTES - 1))).toBe(0);
    const memory = new WebAssembly.Memory({ initial: 63 }); // 63 × 64 KiB, under 4 MiB
    expect(adviseHugePages(new Uint8Array(memory.buffer), { ownMapping: true })).toBe(0);
    expect(hugePagesAdvised()).toBe(0);
  });

  it('is off with CHROMA_INSPECTOR_HUGE_PAGES=off', () => {
    process.env[HUGE_PAGES_ENV] = 'off';
    expect(adviseHugePages(new Uint8Array(new SharedArrayBuffer(64 * MiB)))).toBe(0);
    expect(hugePagesAdvised()).toBe(0);
    const table = freshTyped(Int32Array, 4 * MiB);
    expect(table.length).toBe(4 * MiB);
    expect(freshMappedBytes()).toBe(0);
  });

  it('gives small tables an ordinary array, zero-filled, of the length asked', () => {
    const small = freshTyped(Int32Array, FRESH_MAPPING_MIN_BYTES / 4 - 1);
    expect(small).toBeInstanceOf(Int32Array);
    expect(small.length).toBe(FRESH_MAPPING_MIN_BYTES / 4 - 1);
    expect(small.every((v) => v === 0)).toBe(true);
    expect(freshMappedBytes()).toBe(0);
  });

  it('falls back to an ordinary array when the runtime gives no buffer over outside memory (Electron), or a wrong one', () => {
    const answers: Array<(bytes: number) => ArrayBuffer | undefined> = [
      () => undefined, // napi_no_external_buffers_allowed: Electron's V8 sandbox
      () => {
        throw new Error('out of memory');
      },
      (bytes) => new ArrayBuffer(bytes - 4),
    ];
    for (const hugePagedBuffer of answers) {
      resetHugePagesForTests({ hugePagedBuffer, hugePagedBytes: () => 0 });
      const table = freshTyped(Int32Array, 1_000_000);
      expect([table.length, table.byteOffset, table.buffer.byteLength]).toEqual([1_000_000, 0, 4_000_000]);
      expect(table.every((v) => v === 0)).toBe(true);
      expect(freshMappedBytes()).toBe(0);
    }
    // An addon that cannot count its mappings (built before hugePagedBytes) maps none.
    resetHugePagesForTests({ hugePagedBuffer: (bytes) => new ArrayBuffer(bytes) });
    expect(freshTyped(Float64Array, 300_000).length).toBe(300_000);
    expect(freshMappedBytes()).toBe(0);
    // And takes the buffer it is given when there is one, while the mappings left stay in budget.
    let mapped = 0;
    const asked: number[] = [];
    resetHugePagesForTests({ hugePagedBuffer: (bytes) => (asked.push(bytes), new ArrayBuffer(bytes)), hugePagedBytes: () => mapped });
    const table = freshTyped(Float64Array, 300_000);
    // 2,400,000 bytes asked for as two whole huge pages: the view is the length asked.
    expect(asked).toEqual([4 * MiB]);
    expect([table.length, table.byteOffset, table.buffer.byteLength]).toEqual([300_000, 0, 4 * MiB]);
    expect(freshMappedBytes()).toBe(4 * MiB);
    // A budget with room for the table's bytes but not for its whole pages gives an ordinary one.
    mapped = FRESH_MAPPED_BUDGET_BYTES - 3 * MiB;
    expect(freshTyped(Float64Array, 300_000).buffer.byteLength).toBe(2_400_000);
    expect(freshMappedBytes()).toBe(4 * MiB);
  });

  it.runIf(canAdvise)('gives big tables a mapping of their own in huge pages: zero-filled, the length asked, an ordinary typed array to use', () => {
    const before = anonHugeBytes();
    const length = 2_500_001; // not a whole number of pages: the mapping is whole huge pages, the view the length asked
    const whole = Math.ceil((length * 8) / (2 * MiB)) * 2 * MiB;
    const table = freshTyped(Float64Array, length);
    expect(table).toBeInstanceOf(Float64Array);
    expect([table.length, table.byteOffset, table.buffer.byteLength]).toEqual([length, 0, whole]);
    expect(freshMappedBytes()).toBe(whole);
    expect(table.every((v) => v === 0)).toBe(true);
    // Written all over, in no order, as the tables it is for are.
    for (let i = 0; i < length; i++) table[(i * 7919) % length] = i + 0.5;
    let sum = 0;
    for (let i = 0; i < length; i++) sum += table[i]!;
    expect(sum).toBe((length * (length - 1)) / 2 + length * 0.5);
    expect(anonHugeBytes() - before).toBeGreaterThanOrEqual(2 * MiB);
    // A copy of it, and views of its buffer, behave as any.
    const view = new Uint8Array(table.buffer, 8, 16);
    view.fill(0);
    expect([table[1], table[2]]).toEqual([0, 0]);
  });

  it.runIf(canMap)('gives the memory back when a table is collected', async () => {
    const mapped = addonFunctions().hugePagedBytes!;
    const rss = () => process.memoryUsage().rss;
    const start = rss();
    const before = mapped();
    // 96 tables of 8 MiB, each written all over and dropped: 768 MiB if none were unmapped. Node
    // unmaps a collected one on a later turn of the event loop, as the engine's steps give.
    for (let i = 0; i < 96; i++) {
      const table = freshTyped(Int32Array, 2 * MiB);
      table.fill(i + 1);
      expect(table[2 * MiB - 1]).toBe(i + 1);
      collectGarbage();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(freshMappedBytes()).toBe(96 * 8 * MiB);
    expect(rss() - start).toBeLessThan(400 * MiB);
    await unmapDropped(mapped, before);
    expect(mapped()).toBeLessThanOrEqual(before);
  });

  it.runIf(canMap)('keeps the mappings a caller that never yields leaves behind under a budget, and unmaps them on the next turns', async () => {
    const mapped = addonFunctions().hugePagedBytes!;
    await unmapDropped(mapped, 0);
    const before = mapped();
    // 64 tables of 8 MiB dropped in one synchronous loop: Node runs no finalizer before it ends.
    let most = 0;
    for (let i = 0; i < 64; i++) {
      const table = freshTyped(Int32Array, 2 * MiB);
      table.fill(i + 1);
      most = Math.max(most, mapped() - before);
    }
    expect(most).toBeLessThanOrEqual(FRESH_MAPPED_BUDGET_BYTES);
    // The budget was reached: past it, ordinary arrays (which the collector frees as it goes).
    expect(freshMappedBytes()).toBeGreaterThanOrEqual(FRESH_MAPPED_BUDGET_BYTES - before - 8 * MiB);
    expect(freshMappedBytes()).toBeLessThan(64 * 8 * MiB);
    await unmapDropped(mapped, before);
    expect(mapped()).toBeLessThanOrEqual(before);
  });

  it.runIf(canAdvise)('advises the 2 MiB-aligned part of a view of shared, wasm and ordinary memory, leaving the contents alone', () => {
    const shared = new Uint8Array(new SharedArrayBuffer(64 * MiB));
    shared[0] = 7;
    shared[shared.length - 1] = 9;
    const bytes = adviseHugePages(shared);
    // The aligned part: at most the view, at least the view less one huge page at each end.
    expect(bytes % (2 * MiB)).toBe(0);
    expect(bytes).toBeLessThanOrEqual(64 * MiB);
    expect(bytes).toBeGreaterThanOrEqual(60 * MiB);
    expect([shared[0], shared[shared.length - 1]]).toEqual([7, 9]);
    // An offset view advises only its own aligned part.
    const part = adviseHugePages(new Uint8Array(shared.buffer, 5 * MiB + 3, 40 * MiB));
    expect(part).toBeGreaterThan(0);
    expect(part).toBeLessThanOrEqual(38 * MiB);
    expect(adviseHugePages(new Float32Array(10 * MiB))).toBeGreaterThan(0);
    // The vectors' arena (a WebAssembly memory of its own) is advised when it is made.
    const before = hugePagesAdvised();
    const arena = VectorArena.create('l2', 128, 100_000, true)!;
    expect(arena).not.toBeNull();
    expect(hugePagesAdvised() - before).toBeGreaterThanOrEqual(44 * MiB); // 51.2 MB of vectors
  });

  it.runIf(canAdvise)('gives huge pages to advised memory on its first write', () => {
    const before = anonHugeBytes();
    const view = new Uint8Array(new SharedArrayBuffer(64 * MiB));
    expect(adviseHugePages(view)).toBeGreaterThan(0);
    for (let i = 0; i < view.length; i += 4096) view[i] = 1;
    // The kernel may have fewer to give (fragmented memory); one is enough to show the advice took.
    expect(anonHugeBytes() - before).toBeGreaterThanOrEqual(2 * MiB);
  });
});
