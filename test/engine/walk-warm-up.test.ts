import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InspectorError } from '../../shared/errors.js';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { forgetWarmUp, warmUpSettings, warmUpWalk } from '../../src-main/engine/collection/walk-warm-up.js';
import type { VectorState } from '../../src-main/engine/collection/vector-state.js';
import { compareCase, type RecordedCase } from '../helpers/compare.js';
import { testGraphLinks } from '../helpers/graph-links.js';
import { referenceFixture } from '../helpers/paths.js';

const DIM = 4;
const defaults = { ...warmUpSettings };

afterEach(() => {
  Object.assign(warmUpSettings, defaults);
  forgetWarmUp();
});

/** A graph of `count` elements whose element i sits at slab slot count − 1 − i (slot s filled with s), except the private copies. */
function graph(count: number, privateIds: number[] = []) {
  const vectorAt = new Int32Array(count);
  for (let id = 0; id < count; id++) vectorAt[id] = count - 1 - id;
  privateIds.forEach((id, n) => (vectorAt[id] = -(n + 1)));
  const storage = new Float32Array(count * DIM);
  for (let slot = 0; slot < count; slot++) storage.fill(slot, slot * DIM, (slot + 1) * DIM);
  const links = testGraphLinks({ count, maxM0: 2, level0: new Uint32Array(count * 3), labels: new Float64Array(count), vectorAt, extra: new Float32Array(0) });
  return { links, storage };
}

describe('warming up the walk when a graph is loaded', () => {
  it('leaves graphs below the size where it pays alone', () => {
    const { links, storage } = graph(warmUpSettings.minElements - 1);
    const asked: Float32Array[] = [];
    expect(warmUpWalk(links, storage, DIM, (q) => asked.push(q))).toBe(0);
    expect(asked).toEqual([]);
  });

  it('searches from stored vectors at evenly spread elements, copied, skipping private copies', () => {
    Object.assign(warmUpSettings, { minElements: 100, searches: 4 });
    // The spread elements are 12, 37, 62 and 87 (at slots 87, 62, 37 and 12); element 37 keeps a
    // private copy (no slab slot), so slot 62 is never asked.
    const { links, storage } = graph(100, [37]);
    const asked: Float32Array[] = [];
    expect(warmUpWalk(links, storage, DIM, (q) => asked.push(q))).toBe(3);
    expect(asked.map((q) => q[0])).toEqual([87, 37, 12]);
    expect(asked.every((q) => q.length === DIM && q.every((x) => x === q[0]))).toBe(true);
    // Copies: a search may not write into the slab through its query.
    asked[0]![0] = -1;
    expect(storage[87 * DIM]).toBe(87);
  });

  it('runs once per process: the optimised walk serves the graphs loaded after it', () => {
    Object.assign(warmUpSettings, { minElements: 100, searches: 4 });
    const { links, storage } = graph(100);
    expect(warmUpWalk(links, storage, DIM, () => {})).toBe(4);
    expect(warmUpWalk(links, storage, DIM, () => {})).toBe(0);
    forgetWarmUp();
    expect(warmUpWalk(links, storage, DIM, () => {})).toBe(4);
  });

  it('stops once its searches have taken its time budget', () => {
    Object.assign(warmUpSettings, { minElements: 100, searches: 16, budgetMs: 10 });
    const { links, storage } = graph(100);
    const busy = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    const ran = warmUpWalk(links, storage, DIM, () => busy(4));
    // 0, 4 and 8 ms in: three searches, unless the machine stalled one of them.
    expect(ran).toBeGreaterThanOrEqual(1);
    expect(ran).toBeLessThanOrEqual(3);
  });
});

describe('a warm-up on a folder written by real Chroma (recorded answers)', () => {
  const fixture = referenceFixture('chroma-1.3.4-seed7');
  const cases = (JSON.parse(readFileSync(join(fixture, 'cases.json'), 'utf8')) as { cases: RecordedCase[] }).cases;
  // `inner` has a WAL tail (labels the graph does not answer for) beside its checkpoint.
  const collections = ['articles', 'inner'];

  /** Asks a collection's recorded queries on a fresh folder, filtered ones first; Chroma's answers must come back. */
  function askAll(name: string, vectorsSeen?: (v: VectorState) => void) {
    const folder = ChromaFolder.open(join(fixture, 'data'));
    try {
      const queries = cases.filter((c) => c.collection === name && c.op === 'query' && !c.error);
      queries.sort((a, b) => Number(!a.args.where) - Number(!b.args.where));
      expect(queries.length).toBeGreaterThan(0);
      const answers = queries.map((c, i) => {
        if (i === 0) vectorsSeen?.(folder.collection({ name }).vectors());
        const r = folder.query({ name }, c.args);
        expect(compareCase(c, r), c.label).toBeNull();
        return r;
      });
      const v = folder.collection({ name }).vectors();
      return { answers, problems: v.problems, warmUps: v.warmUpSearches };
    } finally {
      folder.close();
    }
  }

  for (const name of collections) {
    it(`${name}: the same answers and problems with a warm-up as without`, () => {
      Object.assign(warmUpSettings, { minElements: Infinity });
      const without = askAll(name);
      Object.assign(warmUpSettings, { minElements: 1, budgetMs: Infinity });
      const withWarmUp = askAll(name);
      expect(without.warmUps).toBe(0);
      // A spread element whose vector the WAL tail changed has no slab vector to search from.
      expect(withWarmUp.warmUps).toBeGreaterThan(warmUpSettings.searches / 2);
      expect(withWarmUp.answers).toEqual(without.answers);
      expect(withWarmUp.problems).toEqual(without.problems);
    });
  }

  it('a warm-up search that fails leaves the graph in place, and the queries answered as Chroma did', () => {
    Object.assign(warmUpSettings, { minElements: 1, budgetMs: Infinity });
    let failed = 0;
    const { problems } = askAll('articles', (vectors) => {
      // The warm-up's searches are the nested ones (inside the caller's search): make those fail.
      const search = vectors.search.bind(vectors);
      let depth = 0;
      vectors.search = (...args) => {
        if (depth > 0) {
          failed++;
          throw new InspectorError('CORRUPT_HNSW', 'a warm-up search failed');
        }
        depth++;
        try {
          return search(...args);
        } finally {
          depth--;
        }
      };
    });
    expect(failed).toBe(1);
    expect(problems.map((p) => p.code)).not.toContain('hnsw.graph-unavailable');
  });
});
