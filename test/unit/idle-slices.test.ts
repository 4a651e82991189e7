import { describe, expect, it } from 'vitest';
import { holdDeferrableWork, holdForCalls, backgroundTurns, idleSliceJobs, inIdleSlices, setDeferrableHoldLimit } from '../../src-main/engine/util/idle-slices.js';
import { turnCounter } from '../helpers/event-loop.js';
import { until } from '../helpers/wait-for.js';

/** Runs `test` with deferrable work's hold limit at `ms`, then puts the limit back. */
async function withHoldLimit(ms: number, test: () => Promise<void>): Promise<void> {
  const before = setDeferrableHoldLimit(ms);
  try {
    await test();
  } finally {
    setDeferrableHoldLimit(before);
  }
}

describe('background work in idle slices', () => {
  it('runs one slice per turn of the event loop across all jobs, the jobs taking turns, until each says it is finished', async () => {
    const slices: { name: string; turn: number }[] = [];
    const turns = turnCounter();
    const job = (name: string, count: number) => {
      let left = count;
      return () => {
        slices.push({ name, turn: turns.turns() });
        return --left === 0;
      };
    };
    inIdleSlices(job('a', 3));
    inIdleSlices(job('b', 2));
    await until(() => idleSliceJobs() === 0, 'both jobs to finish');
    turns.stop();
    expect(slices.map((s) => s.name)).toEqual(['a', 'b', 'a', 'b', 'a']);
    // Never two slices in one turn (with a timer chain per job, Node ran both in one timers phase).
    expect(new Set(slices.map((s) => s.turn)).size).toBe(slices.length);
  });

  it('stops a job when asked, and drops one that throws', async () => {
    let slices = 0;
    const stop = inIdleSlices(() => {
      slices++;
      return false;
    });
    inIdleSlices(() => {
      throw new Error('a failing job');
    });
    await until(() => slices >= 2 && idleSliceJobs() === 1, 'the failing job dropped, the other going on');
    stop();
    expect(idleSliceJobs()).toBe(0);
    const at = slices;
    await new Promise((r) => setTimeout(r, 20));
    expect(slices).toBe(at);
  });

  it('keeps the turns fair when a job stops another during its slice', async () => {
    const order: string[] = [];
    const stops = new Map<string, () => void>();
    let stoppedA = false;
    for (const name of ['a', 'b', 'c', 'd']) {
      stops.set(
        name,
        inIdleSlices(() => {
          order.push(name);
          if (name === 'c' && !stoppedA) {
            stoppedA = true;
            stops.get('a')!();
          }
          return false;
        }),
      );
    }
    await until(() => order.length >= 9, 'nine slices');
    for (const stop of stops.values()) stop();
    // After c stopped a, d's turn still comes next.
    expect(order.slice(0, 9)).toEqual(['a', 'b', 'c', 'd', 'b', 'c', 'd', 'b', 'c']);
    expect(idleSliceJobs()).toBe(0);
  });

  it('holds deferrable jobs back while any hold is taken, runs the others meanwhile, and the held ones once every hold is released', async () => {
    const first = holdDeferrableWork();
    const second = holdDeferrableWork();
    let deferred = 0;
    let plain = 0;
    inIdleSlices(() => ++deferred >= 2, { deferrable: true });
    inIdleSlices(() => ++plain >= 3);
    await until(() => plain >= 3 && idleSliceJobs() === 1, 'the job that is not deferrable');
    await new Promise((r) => setTimeout(r, 20));
    expect(deferred).toBe(0);
    first();
    // Released twice is released once: the second hold still holds.
    first();
    await new Promise((r) => setTimeout(r, 20));
    expect(deferred).toBe(0);
    second();
    await until(() => idleSliceJobs() === 0, 'the deferrable job');
    expect(deferred).toBe(2);
    // A hold taken while a deferrable job is under way pauses it between its slices.
    let slices = 0;
    inIdleSlices(() => ++slices >= 1000, { deferrable: true });
    await until(() => slices >= 2, 'a few slices');
    const release = holdDeferrableWork();
    const at = slices;
    await new Promise((r) => setTimeout(r, 20));
    expect(slices).toBe(at);
    release();
    await until(() => slices > at, 'the job again');
    // Stopped while held, it leaves nothing behind.
    const held = holdDeferrableWork();
    const stop = inIdleSlices(() => false, { deferrable: true });
    stop();
    held();
    await until(() => slices >= 1000, 'the long job to end');
    expect(idleSliceJobs()).toBe(0);
  });

  it('holds back, while a call is under way, only the jobs that yield to calls; a deferrable hold holds them too', async () => {
    const call = holdForCalls();
    let build = 0;
    let compaction = 0;
    let plain = 0;
    inIdleSlices(() => ++build >= 2, { yieldsToCalls: true });
    inIdleSlices(() => ++compaction >= 2, { deferrable: true });
    inIdleSlices(() => ++plain >= 2);
    // The compaction a call may wait for, and plain work, run under a call's hold.
    await until(() => compaction >= 2 && plain >= 2, 'the jobs that do not yield to calls');
    await new Promise((r) => setTimeout(r, 20));
    expect(build).toBe(0);
    call();
    call(); // released twice is released once
    await until(() => idleSliceJobs() === 0, 'the job that yields to calls');
    expect(build).toBe(2);
    // A first query's hold of deferrable work keeps it back as well.
    const first = holdDeferrableWork();
    let again = 0;
    inIdleSlices(() => ++again >= 1, { yieldsToCalls: true });
    await new Promise((r) => setTimeout(r, 20));
    expect(again).toBe(0);
    first();
    await until(() => idleSliceJobs() === 0, 'the job once the deferrable hold is released');
  });

  it('lets work that yields to calls take its turns again once calls one after another have held it past the limit', () =>
    withHoldLimit(60, async () => {
      let release = holdForCalls();
      const relay = setInterval(() => {
        const next = holdForCalls();
        release();
        release = next;
      }, 5);
      const startedAt = Date.now();
      let firstSliceAt = 0;
      let slices = 0;
      inIdleSlices(() => {
        if (slices++ === 0) firstSliceAt = Date.now();
        return slices >= 3;
      }, { yieldsToCalls: true });
      await until(() => idleSliceJobs() === 0, 'the held job to finish under the stream of calls');
      clearInterval(relay);
      release();
      expect(firstSliceAt - startedAt).toBeGreaterThanOrEqual(55);
    }));

  it('counts the turns background work had: the slices run, of every job, and the holds for calls taken', async () => {
    const before = backgroundTurns();
    let n = 0;
    inIdleSlices(() => ++n >= 3);
    await until(() => idleSliceJobs() === 0, 'the job');
    expect(backgroundTurns() - before).toBe(3);
    holdForCalls()();
    holdDeferrableWork()();
    expect(backgroundTurns() - before).toBe(4);
  });

  it('lets held work take its turns again once holds taken one after another have lasted past the limit', () =>
    withHoldLimit(60, async () => {
      // Overlapping holds, as a stream of first queries takes them: never none taken.
      let release = holdDeferrableWork();
      const relay = setInterval(() => {
        const next = holdDeferrableWork();
        release();
        release = next;
      }, 5);
      let deferred = 0;
      const startedAt = Date.now();
      let firstSliceAt = 0;
      inIdleSlices(() => {
        if (deferred++ === 0) firstSliceAt = Date.now();
        return deferred >= 3;
      }, { deferrable: true });
      await until(() => idleSliceJobs() === 0, 'the held job to finish under the stream of holds');
      clearInterval(relay);
      release();
      expect(deferred).toBe(3);
      // Not before the limit: until then the holds held it.
      expect(firstSliceAt - startedAt).toBeGreaterThanOrEqual(55);
    }));

  it('runs held work at once when the last hold is released before the limit', () =>
    withHoldLimit(10_000, async () => {
      const release = holdDeferrableWork();
      let ran = false;
      inIdleSlices(() => (ran = true), { deferrable: true });
      await new Promise((r) => setTimeout(r, 10));
      expect(ran).toBe(false);
      release();
      // The expiry timer (10 s away) must not be what wakes it.
      await until(() => ran, 'the released job', 1000);
    }));

  it('counts the limit from the first hold when holds are released and taken again within one turn', () =>
    withHoldLimit(60, async () => {
      let release = holdDeferrableWork();
      // Released and taken again in the same turn: the held job's turn never comes between them.
      const relay = setInterval(() => {
        release();
        release = holdDeferrableWork();
      }, 5);
      let ran = false;
      inIdleSlices(() => (ran = true), { deferrable: true });
      await until(() => ran, 'the held job, once the limit from the first hold has passed', 2000);
      clearInterval(relay);
      release();
    }));

  it('refuses a limit a timer cannot wait for', () => {
    for (const ms of [Number.NaN, -1, Infinity, 2 ** 31]) expect(() => setDeferrableHoldLimit(ms)).toThrow(RangeError);
  });
});
