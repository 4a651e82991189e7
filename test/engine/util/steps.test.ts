import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../../src-main/engine/chroma-folder.js';
import { bundleEntry } from '../../helpers/bundle-entry.js';
import { referenceFixture, repoRoot } from '../../helpers/paths.js';
import { reportLoad, type LoadStep } from '../../../src-main/engine/util/load-progress.js';
import { freshTurnIfSpent, runSteps, runStepsSliced, startSteps, type Steps } from '../../../src-main/engine/util/steps.js';
import { turnCounter } from '../../helpers/event-loop.js';

/** 2,000 steps that each report progress and add to a sum; `closed` notes its `finally`. */
function* counting(state: { closed: boolean }): Steps<number> {
  let sum = 0;
  try {
    for (let i = 1; i <= 2000; i++) {
      sum += i;
      reportLoad(i, 2000, 'Counting');
      yield;
    }
    return sum;
  } finally {
    state.closed = true;
  }
}

describe('steps', () => {
  it('stop with CANCELLED, their finally run, once a `stopped` predicate says so', async () => {
    const state = { closed: false };
    let stop = false;
    const running = runStepsSliced(counting(state), { sliceMs: 0, stopped: () => stop });
    stop = true;
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(state.closed).toBe(true);
  });

  it('give the same result run through and sliced; sliced, other work runs between the slices', async () => {
    expect(runSteps(counting({ closed: false }))).toBe(2001000);
    const counter = turnCounter();
    try {
      expect(await runStepsSliced(counting({ closed: false }), { sliceMs: 0 })).toBe(2001000);
      expect(counter.turns()).toBeGreaterThan(1000);
    } finally {
      counter.stop();
    }
  });

  it('sliced, share the thread: however many run at once, timers and I/O get a turn between any two slices', async () => {
    // A timer that ticks whenever the loop reaches its timers (each slice busies the thread for
    // more than a timer's 1 ms, so one is always due by then).
    let ticks = 0;
    let timer = setTimeout(function tick() {
      ticks++;
      timer = setTimeout(tick, 0);
    }, 0);
    const slices: { runner: number; tick: number }[] = [];
    function* busy(runner: number): Steps<number> {
      for (let slice = 0; slice < 6; slice++) {
        slices.push({ runner, tick: ticks });
        const until = performance.now() + 3;
        while (performance.now() < until);
        yield;
      }
      return runner;
    }
    try {
      expect(await Promise.all([0, 1, 2, 3].map((r) => runStepsSliced(busy(r), { sliceMs: 0 })))).toEqual([0, 1, 2, 3]);
    } finally {
      clearTimeout(timer);
    }
    // Each runner's first slice runs at once, in its caller's turn; every later slice waits its turn.
    const later = slices.slice(4);
    expect(new Set(later.map((s) => s.runner)).size).toBe(4);
    for (let i = 1; i < later.length; i++) expect(later[i]!.tick, `slice ${i + 4}: runner ${later[i]!.runner} after runner ${later[i - 1]!.runner}`).toBeGreaterThan(later[i - 1]!.tick);
  });

  it('stop with CANCELLED when cancelled, and their own finally runs', async () => {
    const state = { closed: false };
    const abort = new AbortController();
    // A turn of its own: a runner that follows sliced work in the same turn waits for the next one first.
    await new Promise((r) => setImmediate(r));
    const counter = turnCounter();
    const stopper = setImmediate(() => abort.abort());
    try {
      await expect(runStepsSliced(counting(state), { signal: abort.signal, sliceMs: 0 })).rejects.toMatchObject({ code: 'CANCELLED' });
    } finally {
      clearImmediate(stopper);
      counter.stop();
    }
    expect(state.closed).toBe(true);
    // Cancelled before the first step: none runs.
    const never = { closed: false };
    const steps = counting(never);
    await expect(runStepsSliced(steps, { signal: abort.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(steps.next().done).toBe(true);
  });

  it('go on with the stretch of sliced work they find in their turn: one that follows a spent stretch starts in the next turn', async () => {
    await new Promise((r) => setImmediate(r));
    // Its last step keeps the thread `ms`.
    const busy = function* (ms: number): Steps<number> {
      yield;
      const t = performance.now();
      while (performance.now() - t < ms);
      return ms;
    };
    let turnOfFirstStep = -1;
    const counter = turnCounter();
    const noting = function* (): Steps<number> {
      turnOfFirstStep = counter.turns();
      yield;
      return 1;
    };
    try {
      // The first runs its one step in this turn, and the stretch is spent.
      await runStepsSliced(busy(12), { sliceMs: 10 });
      const spentIn = counter.turns();
      await runStepsSliced(noting(), { sliceMs: 10 });
      expect(turnOfFirstStep, 'the second runner began a turn later').toBeGreaterThan(spentIn);
      // A stretch not spent: the next runner goes on in the same turn.
      await new Promise((r) => setImmediate(r));
      await runStepsSliced(busy(1), { sliceMs: 10 });
      const sameTurn = counter.turns();
      await runStepsSliced(noting(), { sliceMs: 10 });
      expect(turnOfFirstStep).toBe(sameTurn);
      // A call's own part after work ahead: the same rule (ChromaFolder's prepare methods end with it).
      await runStepsSliced(busy(12), { sliceMs: 10 });
      const before = counter.turns();
      await freshTurnIfSpent(10);
      expect(counter.turns()).toBeGreaterThan(before);
      const now = counter.turns();
      await freshTurnIfSpent(10);
      expect(counter.turns(), 'no stretch spent: no turn waited for').toBe(now);
    } finally {
      counter.stop();
    }
  });

  it("two runners at once each get whole slices in their turns: one does not find the other's stretch", async () => {
    await new Promise((r) => setImmediate(r));
    const counter = turnCounter();
    // 240 steps of ~0.5 ms each: ten or so to a slice of 5 ms.
    const stepsOf = (turnsSeen: Set<number>) =>
      function* (): Steps<number> {
        for (let i = 0; i < 240; i++) {
          turnsSeen.add(counter.turns());
          const t = performance.now();
          while (performance.now() - t < 0.5);
          yield;
        }
        return 1;
      };
    const turnsA = new Set<number>();
    const turnsB = new Set<number>();
    try {
      await Promise.all([runStepsSliced(stepsOf(turnsA)(), { sliceMs: 5 }), runStepsSliced(stepsOf(turnsB)(), { sliceMs: 5 })]);
    } finally {
      counter.stop();
    }
    // Each ran in about 240 / 10 turns, as many as the other: the one resumed second in a turn
    // found the other's stretch, and ran one step a turn, before.
    const [fewer, more] = [turnsA.size, turnsB.size].sort((a, b) => a - b);
    expect(more, `turns ${turnsA.size} and ${turnsB.size}`).toBeLessThanOrEqual(fewer! * 1.3 + 2);
    expect(more).toBeLessThan(80);
  });

  it('report progress throttled across slices, as one call does, and the last step always', async () => {
    const sliced: LoadStep[] = [];
    await runStepsSliced(counting({ closed: false }), { sliceMs: 0, report: (s) => sliced.push(s) });
    // 2,000 steps in well under a second: a handful of reports (one per 50 ms), not one per slice.
    expect(sliced.length).toBeLessThan(100);
    expect(sliced.at(-1)).toEqual({ done: 2000, total: 2000, message: 'Counting' });
    // Between the slices, no reporter is installed: another call's load reports to no one here.
    reportLoad(1, 1, 'someone else');
    expect(sliced.at(-1)!.message).toBe('Counting');
  });

  it('wait for another thread without holding this one when sliced: a pause ends when its cell changes', async () => {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    let sawOtherWork = false;
    function* waiting(): Steps<string> {
      // Waits up to a minute: only the change of the cell can end it within the test's time.
      while (Atomics.load(cell, 0) === 0) yield { cell, index: 0, value: 0, ms: 60_000 };
      return 'changed';
    }
    setTimeout(() => {
      sawOtherWork = true;
      Atomics.store(cell, 0, 1);
      Atomics.notify(cell, 0);
    }, 30);
    expect(await runStepsSliced(waiting())).toBe('changed');
    expect(sawOtherWork).toBe(true);
  });

  it('started, run up to their first pause at once and continue from it later: a wait first says the work is elsewhere', async () => {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    const log: string[] = [];
    function* handsOff(): Steps<number> {
      try {
        log.push('posted');
        while (Atomics.load(cell, 0) === 0) yield { cell, index: 0, value: 0, ms: 60_000 };
        log.push('answered');
        return Atomics.load(cell, 0);
      } finally {
        log.push('closed');
      }
    }
    const started = startSteps(handsOff());
    expect(log).toEqual(['posted']);
    expect(started.elsewhere).toBe(true);
    // Other steps run meanwhile; the answer comes; the rest takes it.
    expect(runSteps(counting({ closed: false }))).toBe(2001000);
    Atomics.store(cell, 0, 7);
    expect(await runStepsSliced(started.steps)).toBe(7);
    expect(log).toEqual(['posted', 'answered', 'closed']);
    started.stop();
    expect(log).toHaveLength(3);

    // Work on this thread first: not elsewhere, and its first step is not run twice.
    const state = { closed: false };
    const here = startSteps(counting(state));
    expect(here.elsewhere).toBe(false);
    expect(runSteps(here.steps)).toBe(2001000);
    // Done at once (no pause at all): the result comes through.
    // Steps that end before any pause (a count that fits in one step).
    // eslint-disable-next-line require-yield
    function* none(): Steps<string> {
      return 'now';
    }
    const done = startSteps(none());
    expect(done.elsewhere).toBe(false);
    expect(runSteps(done.steps)).toBe('now');

    // Never taken: stop() runs their finally.
    const left = { closed: false };
    const dropped = startSteps(counting(left));
    dropped.stop();
    expect(left.closed).toBe(true);
  });

  it('keep a process alive while they wait for another thread: a process whose only work is a first query ends with its answer', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-steps-')), 'data');
    cpSync(join(referenceFixture('chroma-1.3.4-seed7'), 'data'), dir, { recursive: true });
    try {
      // A stored vector of the collection, asked for: it is its own nearest.
      const folder = ChromaFolder.open(dir);
      const stored = folder.get({ name: 'articles' }, { limit: 1, include: ['embeddings'] });
      folder.close();
      const { file } = await bundleEntry(join(repoRoot, 'test', 'engine', 'util', 'first-query-child.ts'));
      for (const prescan of ['worker', 'native']) {
        const child = spawnSync(process.execPath, [file, dir, 'articles', JSON.stringify(Array.from(stored.embeddings![0]!)), prescan], { encoding: 'utf8', timeout: 60_000 });
        expect(child.stderr, prescan).toBe('');
        expect(child.status, prescan).toBe(0);
        expect(JSON.parse(child.stdout)[0], prescan).toBe(stored.ids[0]);
      }
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  }, 60_000);
});
