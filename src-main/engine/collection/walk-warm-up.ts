import type { GraphLinks } from '../hnsw/graph-links.js';

/** `off` never warms up (to measure without it). */
export const WARM_UP_ENV = 'CHROMA_INSPECTOR_WARM_UP';

export const warmUpSettings = {
  /**
   * Below this many elements a level-0 walk is short whether V8 has optimised it or not, and the
   * warm-up would cost more than it saves. (Tests lower it to run warm-ups on small graphs.)
   */
  minElements: 20_000,
  /** Searches run when a large graph is loaded… */
  searches: 16,
  /**
   * …unless they take longer than this together (a slow machine, a graph of millions): the load
   * is one engine call, which must not hold others up for long (~25 ms at 100k here, ~30 at 1M).
   */
  budgetMs: 50,
};

/** Results a warm-up search asks for: the client's default nResults. */
export const WARM_UP_RESULTS = 10;

/** Whether a warm-up ran in this process: V8's optimised walk then serves every graph loaded after it. */
let warmedUp = false;

/**
 * Runs a few plain searches through the first large graph a process loads, from its own vectors,
 * before the query that loaded it is answered. Returns how many ran.
 *
 * Why: V8 optimises the walk only after it has run a number of times, and then compiles it on
 * its other thread for ~13–16 ms here. Until then it runs as baseline code at about twice the
 * time: at 100k, ~1.2 against ~0.55 ms a search, for the first ~14 queries after a load. These
 * searches get the walk marked and compiled during the load, so the queries after it run
 * optimised code. The code belongs to the walk, not to a graph, so a later load (another
 * collection, or the same one reloaded after a write) needs no warm-up of its own.
 *
 * They go through the same `search` the caller's queries use: an optimised walk is tied to the
 * filter callbacks it saw, and a warm-up calling the graph with callbacks of its own was thrown
 * away ("wrong feedback cell") at the first real query. For the same reason a filtered query (its
 * callback is another one) still sends the walk back to baseline code once, until V8 has
 * optimised it for both. A search only reads the graph (its marks and heaps are reset by the
 * next), so this changes no answer. Query vectors are stored vectors at evenly spread elements:
 * deterministic, and walks as long as real ones.
 */
export function warmUpWalk(links: GraphLinks, storage: Float32Array, dim: number, search: (q: Float32Array) => void): number {
  const { minElements, searches, budgetMs } = warmUpSettings;
  if (warmedUp || links.count < minElements || process.env[WARM_UP_ENV] === 'off') return 0;
  const start = performance.now();
  let ran = 0;
  for (let i = 0; i < searches && performance.now() - start < budgetMs; i++) {
    const at = links.vectorAt[Math.floor(((i + 0.5) * links.count) / searches)]!;
    if (at < 0) continue;
    search(storage.slice(at * dim, (at + 1) * dim));
    ran++;
  }
  warmedUp = ran > 0;
  return ran;
}

/** Forgets that a warm-up ran, so that the next large graph warms up again (for tests). */
export function forgetWarmUp(): void {
  warmedUp = false;
}
