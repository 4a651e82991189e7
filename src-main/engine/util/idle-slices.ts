/**
 * Background work done in slices between everything else the thread has to do: one slice per
 * turn of the event loop across all of it, the jobs taking turns. Each job had a timer chain of
 * its own before: Node runs every due timer in one phase, so with four copies under way a call
 * waited four slices, not one. The timer is unreferenced: this work never keeps a process alive
 * (a script that asked one question ends without waiting for it).
 */

/** A slice of a job: true once the job is finished (it is then dropped). */
export type IdleSlice = () => boolean;

interface Job {
  slice: IdleSlice;
  /** Waits while a hold is taken (holdDeferrableWork). */
  deferrable: boolean;
  /** Waits while a call's hold is taken too (holdForCalls). */
  yieldsToCalls: boolean;
}

const jobs: Job[] = [];
let timer: NodeJS.Timeout | null = null;
/** Whether `timer` waits for the holds' expiry rather than the next turn. */
let timerForExpiry = false;
let turn = 0;
let holds = 0;
/** Holds of calls under way (holdForCalls): they keep back only the jobs that yield to calls. */
let callHolds = 0;
/** Slices run so far, of every job, and holds for calls taken (backgroundTurns). */
let slicesRun = 0;
let callHoldsTaken = 0;
/**
 * Since when deferrable work has been kept waiting by holds (0: it is not). A release does not
 * clear it, only a deferrable slice that ran while no hold was taken (or no such work left):
 * holds released and taken again before the next turn would otherwise restart the limit.
 */
let waitingSince = 0;

/**
 * How long holds taken one after another may keep deferrable work waiting. Holds are
 * process-wide: under a stream of first queries (serve, many collections) that overlap, a
 * kept map's compaction would otherwise wait for the whole stream. A 1M first query takes
 * ~0.5 s, a 5M one a few seconds; past the limit the held work takes its turns again.
 */
let holdLimitMs = 5000;

/** Node clamps a longer timer to 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Sets the limit above (tests), returning the one it replaces. */
export function setDeferrableHoldLimit(ms: number): number {
  if (!(ms >= 0 && ms <= MAX_TIMER_MS)) throw new RangeError(`a hold limit from 0 to ${MAX_TIMER_MS} ms, not ${ms}`);
  const before = holdLimitMs;
  holdLimitMs = ms;
  // A timer waiting for the old limit's expiry: set again for the new one.
  if (timer && timerForExpiry) {
    clearTimeout(timer);
    timer = null;
  }
  arm();
  return before;
}

/**
 * Runs `slice` in turns until it says it is finished; the function returned stops it sooner.
 * `deferrable`: work no call waits for (a memory saving), which waits while a call that is
 * answering holds the thread's turns (holdDeferrableWork).
 */
export function inIdleSlices(slice: IdleSlice, opts: { deferrable?: boolean; yieldsToCalls?: boolean } = {}): () => void {
  const job = { slice, deferrable: opts.deferrable === true || opts.yieldsToCalls === true, yieldsToCalls: opts.yieldsToCalls === true };
  jobs.push(job);
  arm();
  return () => {
    const i = jobs.indexOf(job);
    if (i >= 0) jobs.splice(i, 1);
    // The jobs after it moved down one: the next in turn is still the next.
    if (i >= 0 && i < turn) turn--;
    if (jobs.length === 0 && timer) {
      clearTimeout(timer);
      timer = null;
    }
  };
}

/**
 * Holds deferrable jobs back until the function returned is called (once; holds add up): for a
 * call whose answer is waited for and whose own steps give the thread back between them (a first
 * query's checks). Their turns came between the call's steps: at 100,000 ids a kept id map's
 * compaction is ~7 ms, most of it the page faults of its fresh arrays. Nothing a call waits for
 * may be deferrable, or the call would wait for its own hold. Holds that follow one another
 * without a gap hold for at most the limit (setDeferrableHoldLimit) from the first of them.
 */
export function holdDeferrableWork(): () => void {
  holds++;
  return heldUntil(() => holds--);
}

/**
 * Holds the jobs that yield to calls (`yieldsToCalls`: a metadata column built in the background,
 * which no call waits for) until the function returned is called: for a call's work ahead and
 * the call, whose steps their slices would otherwise come between (~20 ms a page at a million
 * records). Unlike holdDeferrableWork, it keeps no other work back, so a call may wait for work
 * of another kind (the kept id map's compaction, before a vector load it joins) without waiting
 * for its own hold. The same limit applies.
 */
export function holdForCalls(): () => void {
  callHolds++;
  callHoldsTaken++;
  return heldUntil(() => callHolds--);
}

/** A hold just taken: its release (`drop`, once however often it is called), which lets held work run again. */
function heldUntil(drop: () => void): () => void {
  noteWaiting();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    drop();
    arm();
  };
}

/** Whether a hold keeps `job` back now (past the limit, it takes its turns again: runnable). */
const held = (job: Job): boolean => (holds > 0 && job.deferrable) || (callHolds > 0 && job.yieldsToCalls);

/** Starts the waiting clock when a hold keeps work back and it was not running. */
function noteWaiting(): void {
  if (waitingSince === 0 && jobs.some(held)) waitingSince = performance.now();
}

/**
 * Slices run so far, of every job, plus the holds for calls taken. Unchanged between two
 * moments, the thread gave background work no turn in between, and no prepared call held it
 * back on purpose: a caller making synchronous calls back to back.
 */
export function backgroundTurns(): number {
  return slicesRun + callHoldsTaken;
}

/** Jobs under way (tests). */
export function idleSliceJobs(): number {
  return jobs.length;
}

/** Whether holds have kept deferrable work waiting past the limit. */
const holdsExpired = (): boolean => waitingSince > 0 && performance.now() - waitingSince >= holdLimitMs;

/** Whether `job` may run now. */
const runnable = (job: Job): boolean => !held(job) || holdsExpired();

function arm(): void {
  if (!jobs.some((job) => job.deferrable)) waitingSince = 0;
  if (jobs.length === 0) return;
  noteWaiting();
  const now = jobs.some(runnable);
  // A timer set for the next turn stands; one set for the holds' expiry gives way to a job that
  // may run now (or to a release: the holds are then gone).
  if (timer && (timerForExpiry === false || !now)) return;
  if (timer) clearTimeout(timer);
  timerForExpiry = !now;
  // Only held jobs: wake when the holds expire.
  timer = setTimeout(runOne, now ? 0 : Math.min(MAX_TIMER_MS, Math.max(0, waitingSince + holdLimitMs - performance.now())));
  timer.unref();
}

function runOne(): void {
  timer = null;
  if (jobs.length === 0) return;
  turn %= jobs.length;
  // The next runnable job in turn (arm() saw one; a hold taken since may leave none).
  let skipped = 0;
  while (!runnable(jobs[turn]!) && skipped < jobs.length) {
    turn = (turn + 1) % jobs.length;
    skipped++;
  }
  if (skipped === jobs.length) return arm();
  const job = jobs[turn]!;
  // Deferrable work had its turn with no hold keeping any back: none is kept waiting.
  if (job.deferrable && !jobs.some(held)) waitingSince = 0;
  let finished = true;
  slicesRun++;
  try {
    finished = job.slice();
  } catch {
    // A job that fails is dropped; it reports its failure its own way.
  }
  const at = jobs.indexOf(job);
  if (finished) {
    if (at >= 0) jobs.splice(at, 1);
    // Its successor moved into its place: `turn` already names it.
    if (at >= 0 && at < turn) turn--;
  } else if (at >= 0) {
    // After a job ahead of it stopped during the slice, `at` is where it is now.
    turn = at + 1;
  }
  arm();
}
