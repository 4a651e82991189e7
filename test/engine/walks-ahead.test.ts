import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { CheckpointGraph } from '../../src-main/engine/hnsw/graph-search.js';
import { WalksAhead } from '../../src-main/engine/collection/walks-ahead.js';
import { compareCase, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';

// A filtered query's walk over the graph, done ahead of it in slices (collection/walks-ahead.ts,
// CheckpointGraph.searchSteps) and taken by the query: the answers must stay the ones real Chroma
// recorded, the query must not walk again, and a walk stopped midway must leave nothing behind.

afterEach(() => {
  vi.restoreAllMocks();
});

const filtered = (c: RecordedCase) => c.op === 'query' && c.error === undefined && !c.args.ids && (c.args.where !== undefined || c.args.whereDocument !== undefined);

describe('walks ahead of a filtered query', () => {
  for (const fixture of ['chroma-1.3.4-seed7', 'workload-1.3.4-seed7']) {
    it(`are taken by the query, which answers as Chroma recorded and walks nothing itself: ${fixture}`, async () => {
      const dir = referenceFixture(fixture);
      const { cases } = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: RecordedCase[] };
      const walksInCall = vi.spyOn(CheckpointGraph.prototype, 'search');
      const taken = vi.spyOn(WalksAhead.prototype, 'take');
      const mismatches: string[] = [];
      let takenWalks = 0;
      // The walks the queries make when nothing is done ahead (some answer exactly: no checkpoint, a degraded index, nothing allowed).
      let ownWalks = 0;
      const folder = ChromaFolder.open(join(dir, 'data'));
      const unprepared = ChromaFolder.open(join(dir, 'data'));
      try {
        for (const c of cases.filter(filtered)) {
          const ref = splitCollection(c.collection);
          walksInCall.mockClear();
          unprepared.query(ref, c.args);
          ownWalks += walksInCall.mock.calls.length;
          // Twice: the second time the allowed labels are kept already, and only the walk is done ahead.
          for (const round of ['first', 'again']) {
            await folder.prepareQuery(ref, c.args, {}, { sliceMs: 0 });
            walksInCall.mockClear();
            taken.mockClear();
            const bad = compareCase(c, folder.query(ref, c.args));
            if (bad) mismatches.push(`${c.collection} | ${c.label} (${round}): ${bad}`);
            const walks = taken.mock.results.filter((r) => r.value !== null).length;
            takenWalks += walks;
            expect(walksInCall.mock.calls.length, `${c.label} (${round}): walks in the call`).toBe(0);
          }
        }
      } finally {
        folder.close();
        unprepared.close();
      }
      expect(mismatches).toEqual([]);
      expect(ownWalks).toBeGreaterThan(10);
      expect(takenWalks, 'every walk, both rounds, taken from ahead').toBe(2 * ownWalks);
    });
  }

  it('stopped midway leave the marks clear and the walk state free; one at a time, taken once', () => {
    const folder = ChromaFolder.open(join(referenceFixture('chroma-1.3.4-seed7'), 'data'));
    try {
      const reader = folder.collection({ name: 'articles' });
      const state = reader.vectors({ forQuery: true });
      const labels = [...state.idToLabel.values()].sort((a, b) => a - b);
      const everyThird = new Set(labels.filter((_, i) => i % 3 === 0));
      const everyOther = new Set(labels.filter((_, i) => i % 2 === 1));
      const q = Float32Array.from({ length: reader.dimension! }, (_, i) => Math.cos(i + 0.5));
      const ownWalk = (allowed: ReadonlySet<number>) => state.search(q, 7, new Set(allowed));
      const wantOther = ownWalk(everyOther);
      const wantThird = ownWalk(everyThird);

      // Stopped after a few steps (a cancel): nothing kept; its marks must not admit anything later.
      const stopped = state.walkAheadSteps(q, 7, everyThird, {}, 2);
      for (let i = 0; i < 5; i++) expect(stopped.next().done).toBe(false);
      stopped.return();

      // One walk ahead at a time: a second one while the first is paused walks nothing.
      const first = state.walkAheadSteps(q, 7, everyOther, {}, 2);
      expect(first.next().done).toBe(false);
      const second = state.walkAheadSteps(q, 7, everyThird, {}, 2);
      expect(second.next().done, 'the second ends at once').toBe(true);
      let steps = 1;
      while (!first.next().done) steps++;
      expect(steps).toBeGreaterThan(5);

      const walksInCall = vi.spyOn(CheckpointGraph.prototype, 'search');
      expect(state.search(q, 7, everyOther)).toEqual(wantOther);
      expect(walksInCall, 'taken from the walk ahead').not.toHaveBeenCalled();
      expect(state.search(q, 7, everyOther)).toEqual(wantOther);
      expect(walksInCall, 'taken once: the next search walks').toHaveBeenCalledTimes(1);
      expect(state.search(q, 7, everyThird)).toEqual(wantThird);
      expect(walksInCall, 'the second walk ahead kept nothing').toHaveBeenCalledTimes(2);

      // Nothing allowed: no walk (the query answers without one).
      const stepped = vi.spyOn(CheckpointGraph.prototype, 'searchSteps');
      expect(state.walkAheadSteps(q, 7, new Set()).next().done).toBe(true);
      expect(stepped).not.toHaveBeenCalled();
      stepped.mockRestore();

      // The state is free again: a walk ahead runs to its end and is kept.
      for (const s = state.walkAheadSteps(q, 7, everyThird, {}, 3); !s.next().done; );
      expect(state.search(q, 7, everyThird)).toEqual(wantThird);
      expect(walksInCall).toHaveBeenCalledTimes(2);
    } finally {
      folder.close();
    }
  });
});
