/**
 * Background work done in slices between everything else the thread has to do: one slice per
 * turn of the event loop across all of it, the jobs taking turns. Each job had a timer chain of
 * its own before: Node runs every due timer in one phase, so with four copies under way a call
 * waited four slices, not one. The timer is unreferenced: this work never keeps a process alive
 * (a script that asked one question ends without waiting for it).
 */

/** A slice of a job: true once the job is finished (it is then dropped). */
export type IdleSlice = () => boolean;

const jobs: { slice: IdleSlice }[] = [];
let timer: NodeJS.Timeout | null = null;
let turn = 0;

/** Runs `slice` in turns until it says it is finished; the function returned stops it sooner. */
export function inIdleSlices(slice: IdleSlice): () => void {
  const job = { slice };
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

/** Jobs under way (tests). */
export function idleSliceJobs(): number {
  return jobs.length;
}

function arm(): void {
  if (timer || jobs.length === 0) return;
  timer = setTimeout(runOne, 0);
  timer.unref();
}

function runOne(): void {
  timer = null;
  if (jobs.length === 0) return;
  turn %= jobs.length;
  const job = jobs[turn]!;
  let finished = true;
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
