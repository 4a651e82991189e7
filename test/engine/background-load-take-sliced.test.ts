import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackgroundLoadSlot } from '../../src-main/engine/collection/background-load-slot.js';
import type { PreparedLoad } from '../../src-main/engine/collection/prepared-load.js';
import type { CollectionReader } from '../../src-main/engine/collection/collection-reader.js';
import { idleSliceJobs } from '../../src-main/engine/util/idle-slices.js';
import { isCancelled } from '../../src-main/engine/util/shared-wait.js';
import { watchStarts } from '../helpers/prepared-starts.js';
import { turnCounter } from '../helpers/event-loop.js';
import { nextTurn } from '../../src-main/engine/util/next-turn.js';
import { expectSameAsTheFiles, planAfterFirstQuery, seed7 } from '../helpers/prepared-load-plan.js';

// A query's load ahead takes the background load with takeSliced: a start still under way (or
// still to begin) finishes in slices that give the thread back, where take() finishes it in one
// piece (~90 ms at five million vectors, issue #14's "no call blocks others for more than 100 ms").

/** The slot's start begun (at its turn), then taken in slices, the take under way for a turn (wrapped: an async function's promise would wait for it). */
async function takeUnderWay(slot: BackgroundLoadSlot, plan: Parameters<BackgroundLoadSlot['offer']>[0], slice: Parameters<BackgroundLoadSlot['takeSliced']>[0]) {
  slot.offer(plan);
  await nextTurn();
  const taking = slot.takeSliced(slice);
  await nextTurn();
  return { taking };
}

/** Runs `test` with a slot whose start is a step per element and a slice per step (thousands of turns), then cleans up. */
async function withSlotMidStart(test: (ctx: Awaited<ReturnType<typeof planAfterFirstQuery>> & { starts: ReturnType<typeof watchStarts>; slot: BackgroundLoadSlot }) => Promise<void>) {
  const planned = await planAfterFirstQuery();
  const starts = watchStarts();
  const slot = new BackgroundLoadSlot(planned.reader.params.space, () => false, { start: { elementsPerStep: 1 }, sliceMs: 0 });
  try {
    await test({ ...planned, starts, slot });
  } finally {
    starts.restore();
    planned.folder.close();
  }
}

/** A load taken: the copy the files give, then let go. */
function expectTheFilesCopy(taken: PreparedLoad | null, reader: CollectionReader, dim: number): void {
  expect(taken).not.toBeNull();
  expectSameAsTheFiles(taken!.takeFilled(reader.params.space, dim)!, reader, join(seed7, 'data'));
  taken!.release();
}

describe("a query's load ahead takes the background load in slices (takeSliced)", () => {
  it('finishes a start under way in slices that give the thread back, and gets the same copy', async () => {
    await withSlotMidStart(async ({ reader, plan, dim, starts, slot }) => {
      slot.offer(plan);
      await nextTurn();
      expect(starts.started, 'still starting').toEqual([]);
      const turns = turnCounter();
      const taking = slot.takeSliced({ sliceMs: 0 });
      expect(starts.started, 'not finished in the call').toEqual([]);
      const taken = await taking;
      turns.stop();
      expect(turns.turns(), 'turns of the event loop while it finished').toBeGreaterThan(10);
      expect(starts.started.length).toBe(1);
      expect(slot.busy).toBe(false);
      expect(idleSliceJobs()).toBe(0);
      expectTheFilesCopy(taken, reader, dim);
    });
  });

  it('starts a load still to begin in slices too', async () => {
    await withSlotMidStart(async ({ reader, plan, dim, starts, slot }) => {
      slot.offer(plan);
      // Taken before the slot's turn: its start has not begun.
      expect(starts.calls()).toBe(0);
      const turns = turnCounter();
      const taken = await slot.takeSliced({ sliceMs: 0 });
      turns.stop();
      expect(turns.turns()).toBeGreaterThan(10);
      expect(starts.calls(), 'one start, not one here and one at the slot turn').toBe(1);
      expectTheFilesCopy(taken, reader, dim);
      await new Promise((r) => setTimeout(r, 20));
      expect(starts.calls(), "the slot's planned turn started nothing more").toBe(1);
      expect(slot.busy).toBe(false);
    });
  });

  it('gives null when take() finishes the start meanwhile in one piece, which gets the load', async () => {
    await withSlotMidStart(async ({ reader, plan, dim, starts, slot }) => {
      const { taking } = await takeUnderWay(slot, plan, { sliceMs: 0 });
      const taken = slot.take();
      expect(await taking).toBeNull();
      expect(starts.started.length).toBe(1);
      expect(slot.busy).toBe(false);
      expectTheFilesCopy(taken, reader, dim);
    });
  });

  it('gives null when the slot is dropped meanwhile: the start goes no further', async () => {
    await withSlotMidStart(async ({ plan, starts, slot }) => {
      const { taking } = await takeUnderWay(slot, plan, { sliceMs: 0 });
      slot.drop();
      expect(await taking).toBeNull();
      expect(starts.started, 'its steps were ended, not run on').toEqual([]);
      expect(slot.busy).toBe(false);
      expect(slot.take()).toBeNull();
    });
  });

  it('stops with CANCELLED when its caller cancels, leaving the slot empty', async () => {
    await withSlotMidStart(async ({ plan, starts, slot }) => {
      const cancel = new AbortController();
      const { taking } = await takeUnderWay(slot, plan, { sliceMs: 0, signal: cancel.signal });
      cancel.abort();
      const err = await taking.then(
        () => null,
        (e: unknown) => e,
      );
      expect(isCancelled(err), String(err)).toBe(true);
      expect(starts.started, 'its steps were ended, not run on').toEqual([]);
      expect(slot.busy).toBe(false);
      await new Promise((r) => setTimeout(r, 20));
      expect(slot.take()).toBeNull();
    });
  });
});
