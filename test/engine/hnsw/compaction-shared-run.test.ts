import { afterEach, describe, expect, it, vi } from 'vitest';
import * as collect from '../../../src-main/engine/util/collect-garbage.js';
import { compactedSteps, compactInIdleSlices, PickleIdMap } from '../../../src-main/engine/hnsw/pickle-id-map.js';
import { idleSliceJobs } from '../../../src-main/engine/util/idle-slices.js';
import { runSteps } from '../../../src-main/engine/util/steps.js';
import { until } from '../../helpers/wait-for.js';
import { PreparedLoad } from '../../../src-main/engine/collection/prepared-load.js';
import { VectorArena } from '../../../src-main/engine/hnsw/simd-kernel.js';
import { PREFAULT_ENV } from '../../../src-main/engine/util/prefault.js';
import { planAfterFirstQuery } from '../../helpers/prepared-load-plan.js';

/**
 * A kept id map's compaction (its ids moved out of the pickle's buffer) is one run that the idle
 * slices and a background vector load's start may both drive (PickleIdMap.compactionSteps,
 * compactedSteps): the load finishes it at its own pace rather than waiting for turns, and once it
 * is done, what it let go of is collected (util/collect-garbage.ts), before the load's memory
 * comes.
 */

/** A map over ids amid filler bytes (as a pickle holds them), so that compacting is worth it. */
function pickleMap(n: number) {
  const ids = Array.from({ length: n }, (_, i) => `id-${i}`);
  const parts: Buffer[] = [];
  const idStart = new Int32Array(n);
  const idEnd = new Int32Array(n);
  let at = 0;
  ids.forEach((id, i) => {
    const filler = Buffer.alloc(60, 0x7e);
    const bytes = Buffer.from(id);
    parts.push(filler, bytes);
    idStart[i] = at + filler.length;
    idEnd[i] = idStart[i]! + bytes.length;
    at = idEnd[i]!;
  });
  const buf = Buffer.concat(parts);
  const map = PickleIdMap.build(buf, idStart, idEnd, Float64Array.from(ids, (_, i) => i + 1))!;
  return { ids, map, pickleBytes: buf.byteLength };
}

const held = (map: PickleIdMap) => (map as unknown as { bytes: { buf: Buffer } }).bytes.buf.byteLength;

afterEach(() => {
  vi.restoreAllMocks();
  delete process.env[PREFAULT_ENV];
});

describe('the kept id map compaction, one run for every caller', () => {
  it('is finished in one piece by compactedSteps after the idle slices began it, answering the same, and what it dropped is collected once', async () => {
    const { ids, map, pickleBytes } = pickleMap(400_000);
    const collected = vi.spyOn(collect, 'collectGarbageAfter');
    compactInIdleSlices(map);
    // The idle slices take a step or two (the run is under way), then a load finishes it here.
    await until(() => (map as unknown as { compaction: string }).compaction === 'running', 'the idle slices to begin the compaction');
    runSteps(compactedSteps(map));
    expect(held(map)).toBeLessThan(pickleBytes / 4);
    for (let i = 0; i < ids.length; i += 9973) expect(map.get(ids[i]!)).toBe(i + 1);
    expect(map.idReader()(123_456)).toBe('id-123456');
    expect(collected.mock.calls.length).toBe(1);
    expect(collected.mock.calls[0]![0]).toBeGreaterThanOrEqual(pickleBytes);
    // The idle job finds the shared run done: nothing is compacted or collected twice.
    await until(() => idleSliceJobs() === 0, 'the idle job to end');
    expect(collected.mock.calls.length).toBe(1);
  });

  it('is run by the idle slices alone when no load asks, and collected then', async () => {
    const { ids, map, pickleBytes } = pickleMap(300_000);
    const collected = vi.spyOn(collect, 'collectGarbageAfter');
    compactInIdleSlices(map);
    await until(() => idleSliceJobs() === 0, 'the compaction in idle slices');
    expect(held(map)).toBeLessThan(pickleBytes / 4);
    expect(map.get(ids[299_999]!)).toBe(300_000);
    expect(collected.mock.calls.map((c) => c[0] >= pickleBytes)).toEqual([true]);
  });
});

describe("a background vector load's start", () => {
  it("compacts the first query's kept id map and collects what it dropped before it takes the vectors' memory", async () => {
    const { folder, plan } = await planAfterFirstQuery();
    try {
      const { map, pickleBytes } = pickleMap(200_000);
      const collected = vi.spyOn(collect, 'collectGarbageAfter');
      const arenas = vi.spyOn(VectorArena, 'create');
      const prepared = PreparedLoad.start('cosine', { ...plan, checkpoint: { ...plan.checkpoint, idToLabel: map } });
      expect(prepared).not.toBeNull();
      expect(held(map)).toBeLessThan(pickleBytes / 4);
      expect(collected).toHaveBeenCalledTimes(1);
      expect(arenas).toHaveBeenCalled();
      expect(collected.mock.invocationCallOrder[0]).toBeLessThan(arenas.mock.invocationCallOrder[0]!);
      prepared!.release();
    } finally {
      folder.close();
    }
  });
});

describe('collectGarbageAfter', () => {
  const tuning = { ...collect.collectTuning };
  afterEach(() => Object.assign(collect.collectTuning, tuning));

  it('frees a large buffer dropped just before', () => {
    // Whatever the test process's own heap holds (other files' tests run in it).
    collect.collectTuning.upToHeapBytes = Infinity;
    // Dropped on return: nothing refers to it once the function is done.
    const before = (() => {
      const big = new Uint8Array(128 * 1024 * 1024).fill(1);
      expect(big[12345]).toBe(1);
      return process.memoryUsage().arrayBuffers;
    })();
    expect(collect.collectGarbageAfter(128 * 1024 * 1024)).toBe(true);
    expect(before - process.memoryUsage().arrayBuffers).toBeGreaterThanOrEqual(128 * 1024 * 1024);
  });

  it('asks for nothing for small buffers, over a large live heap, or when turned off', () => {
    collect.collectTuning.upToHeapBytes = Infinity;
    expect(collect.collectGarbageAfter(collect.collectTuning.fromBytes - 1)).toBe(false);
    process.env[collect.COLLECT_GARBAGE_ENV] = 'off';
    try {
      expect(collect.collectGarbageAfter(collect.collectTuning.fromBytes)).toBe(false);
    } finally {
      delete process.env[collect.COLLECT_GARBAGE_ENV];
    }
    // A live heap over the limit: a full collection would hold the thread too long.
    collect.collectTuning.upToHeapBytes = 1024;
    expect(collect.collectGarbageAfter(collect.collectTuning.fromBytes)).toBe(false);
    collect.collectTuning.upToHeapBytes = Infinity;
    expect(collect.collectGarbageAfter(collect.collectTuning.fromBytes)).toBe(true);
  });
});

