import type { Space } from '../../../shared/models.js';
import { runSteps, runStepsSliced, type SliceOptions, type Steps } from '../util/steps.js';
import { inIdleSlices } from '../util/idle-slices.js';
import { PreparedLoad, type LoadPlan, type StartOptions } from './prepared-load.js';

/** How long a background vector load waits for the query that takes it (prepared-load.ts). */
export const PREPARED_IDLE_MS = 10 * 60_000;

/** How often whenFilled looks whether the fill has finished (an atomic load; nothing else runs). */
const FILL_POLL_MS = 20;

/**
 * The one background vector load (prepared-load.ts) a collection may have under way: the load a
 * first query answered from the files leaves to the second. It starts at the next turn of the
 * event loop, once the first query has returned its answer, or when the load is asked for first;
 * a load no query takes within PREPARED_IDLE_MS is let go (its memory is the vectors').
 */
export class BackgroundLoadSlot {
  private prepared: PreparedLoad | null = null;
  /** Its plan, until it starts at the next turn of the event loop. */
  private pending: { plan: LoadPlan; immediate: NodeJS.Immediate } | null = null;
  /** Its start (PreparedLoad.startSteps), run in slices of this thread until it ends or is taken. */
  private starting: { steps: Steps<PreparedLoad | null>; taken: boolean } | null = null;
  private idleRelease: NodeJS.Timeout | null = null;

  constructor(
    private readonly space: Space,
    /** Whether the vectors are loaded by now (a load then has nothing left to do). */
    private readonly loaded: () => boolean,
    /** The start's step size and slice length (tests make them small). */
    private readonly tuning: { start?: StartOptions; sliceMs?: number } = {},
  ) {}

  /** Whether a load is planned or under way. */
  get busy(): boolean {
    return this.prepared !== null || this.pending !== null || this.starting !== null;
  }

  /** Plans the load (see the class); nothing if one is planned or under way already. */
  offer(plan: LoadPlan): void {
    if (this.busy) return;
    const immediate = setImmediate(() => {
      this.pending = null;
      if (this.loaded() || this.prepared) return;
      const starting = { steps: PreparedLoad.startSteps(this.space, plan, this.tuning.start), taken: false };
      this.starting = starting;
      // The slices end when take() or drop() took the steps over: they go no further here.
      const slices = function* (): Steps<PreparedLoad | null> {
        for (;;) {
          if (starting.taken) return null;
          const r = starting.steps.next();
          if (r.done) return r.value;
          yield r.value;
        }
      };
      void runStepsSliced(slices(), this.tuning.sliceMs !== undefined ? { sliceMs: this.tuning.sliceMs } : {}).then(
        (prepared) => {
          if (starting.taken) return;
          this.starting = null;
          this.prepared = prepared;
          if (!prepared) return;
          // Someone who asked one question and moved on does not keep the vectors' memory for good.
          this.idleRelease = setTimeout(() => this.drop(), PREPARED_IDLE_MS);
          this.idleRelease.unref();
          if (prepared.fillsHere) this.fillHere(prepared);
        },
        () => {
          if (!starting.taken) this.starting = null;
        },
      );
    });
    immediate.unref();
    this.pending = { plan, immediate };
  }

  /**
   * The copy of a load without a helper thread (a small one: PreparedLoad), made here a slice at a
   * time while the thread is idle (util/idle-slices.ts: calls that come meanwhile wait one slice,
   * and nothing keeps the process alive). Ends when the copy does, or when the load is taken or
   * dropped (the load that takes it copies what is left).
   */
  private fillHere(prepared: PreparedLoad): void {
    const steps = prepared.fillHereSteps(this.tuning.sliceMs);
    const stop = inIdleSlices(() => this.prepared !== prepared || steps.next().done === true);
    this.stopFillHere = () => {
      stop();
      steps.return();
    };
  }

  private stopFillHere: (() => void) | null = null;

  /**
   * Calls `then` once the load under way (or planned) has finished copying, for a caller that goes
   * on with the rest of the load in slices of its thread (ChromaFolder.finishLoadsWhenIdle);
   * nothing if the slot is empty, or empties first (a query took the load, or it was dropped).
   * The watch is a timer that never keeps the process alive.
   */
  whenFilled(then: () => void): void {
    if (!this.busy || this.watch) return;
    const watch = setInterval(() => {
      if (!this.busy) return this.stopWatch();
      if (!this.prepared?.settled) return; // still planned, or still copying
      this.stopWatch();
      then();
    }, FILL_POLL_MS);
    watch.unref();
    this.watch = watch;
  }

  private watch: NodeJS.Timeout | null = null;

  private stopWatch(): void {
    if (this.watch) clearInterval(this.watch);
    this.watch = null;
  }

  /** The load for the vector load about to run, started now if it was still to start; the slot is then empty. */
  take(): PreparedLoad | null {
    if (this.pending && !this.prepared) this.prepared = PreparedLoad.start(this.space, this.pending.plan);
    if (this.starting) {
      // Its remaining steps, here and now: the load that asks for it runs at once.
      this.starting.taken = true;
      this.prepared = runSteps(this.starting.steps);
      this.starting = null;
    }
    this.cancelTimers();
    const prepared = this.prepared;
    this.prepared = null;
    return prepared;
  }

  /** Whether take() would run a start, to finish or to begin: takeSliced then runs it in slices. */
  get startPending(): boolean {
    return this.starting !== null || (this.pending !== null && this.prepared === null);
  }

  /**
   * take, for a caller whose thread serves others meanwhile (a query's load ahead): a start still
   * under way (or still to begin) runs its remaining steps in slices of `slice`, not in one piece
   * (~90 ms at five million vectors). Null when the load was taken in one piece (take) or
   * dropped meanwhile: the caller then loads from the files. The caller's cancel (`slice`) throws
   * CANCELLED and lets the start's memory go.
   */
  async takeSliced(slice: SliceOptions): Promise<PreparedLoad | null> {
    if (this.pending && !this.prepared && !this.starting) {
      const { plan, immediate } = this.pending;
      clearImmediate(immediate);
      this.pending = null;
      this.starting = { steps: PreparedLoad.startSteps(this.space, plan, this.tuning.start), taken: false };
    }
    const starting = this.starting;
    if (!starting || starting.taken) return this.take();
    // The background slices stop at their next step; the steps go on here.
    starting.taken = true;
    let prepared: PreparedLoad | null | undefined;
    try {
      // Steps that take() ran to their end, or drop() ended, meanwhile end here with no value.
      prepared = await runStepsSliced(starting.steps, slice);
    } finally {
      if (this.starting === starting) this.starting = null;
    }
    if (!prepared) return null;
    this.cancelTimers();
    return prepared;
  }

  /** Stops a load that will not be used (the vectors loaded otherwise, the folder closes, or its readers are rebuilt). */
  drop(): void {
    if (this.starting) {
      this.starting.taken = true;
      this.starting.steps.return(null);
      this.starting = null;
    }
    this.cancelTimers();
    this.prepared?.release();
    this.prepared = null;
  }

  private cancelTimers(): void {
    this.stopWatch();
    this.stopFillHere?.();
    this.stopFillHere = null;
    if (this.pending) clearImmediate(this.pending.immediate);
    this.pending = null;
    if (this.idleRelease) clearTimeout(this.idleRelease);
    this.idleRelease = null;
  }
}
