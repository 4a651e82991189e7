import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../../src-main/engine/chroma-folder.js';
import { readCheckpointSettledSteps } from '../../../src-main/engine/hnsw/checkpoint.js';
import { PickleIdMap } from '../../../src-main/engine/hnsw/pickle-id-map.js';
import { PRESCAN_ENV } from '../../../src-main/engine/hnsw/level0-prescan.js';
import { idleSliceJobs } from '../../../src-main/engine/util/idle-slices.js';
import { runStepsSliced } from '../../../src-main/engine/util/steps.js';
import { fixtureSegment } from '../../helpers/fixture-segment.js';
import { until } from '../../helpers/wait-for.js';
import { spyOnSteps } from '../../helpers/spy-steps.js';
import { referenceFixture } from '../../helpers/paths.js';
import { compareCase, isPlainQuery, splitCollection, type RecordedCase } from '../../helpers/compare.js';

/**
 * A first query's checks keep the decoded pickle for the vector load, whose ids then move out of
 * the pickle's buffer in idle slices (pickle-id-map.ts compactInIdleSlices). Queued while the
 * checks still run, those slices came between the checks' own and lengthened the first answer;
 * the compaction now starts once the checks (their settled read) end.
 */

/** The buffer the map's entries' bytes live in, and the ids they spell. */
function entriesOf(map: PickleIdMap): { owner: Buffer; ids: string[] } {
  let owner: Buffer | null = null;
  const ids: string[] = [];
  map.forEachEntryBytes(null, (buf, start, end) => {
    owner ??= buf;
    ids.push(buf.toString('utf8', start, end));
  });
  return { owner: owner!, ids };
}

afterEach(() => {
  delete process.env[PRESCAN_ENV];
});

describe('a labels-only read that keeps its id map', () => {
  for (const prescan of ['off', 'always'] as const) {
    it(`queues the compaction once its checks end, not during them (pass beside the reader: ${prescan})`, async () => {
      process.env[PRESCAN_ENV] = prescan;
      const { dir, seg, space } = fixtureSegment('chroma-1.3.4-seed7', 'articles', null);
      await until(() => idleSliceJobs() === 0, 'idle work of earlier tests');
      // The idle jobs queued at each pause of the checks, and as each label is handed over.
      const jobsDuringChecks: number[] = [];
      const steps = readCheckpointSettledSteps(dir, seg, {
        space,
        keepsIdMap: true,
        sink: { labelsOnly: true, vector: () => jobsDuringChecks.push(idleSliceJobs()) },
      });
      const watched = (function* () {
        for (let r = steps.next(); ; r = steps.next()) {
          jobsDuringChecks.push(idleSliceJobs());
          if (r.done) return r.value;
          yield r.value;
        }
      })();
      // Sliced as a first query's checks are, with a turn of the event loop between slices.
      const result = await runStepsSliced(watched, { sliceMs: 0 });
      expect(jobsDuringChecks.length).toBeGreaterThan(1000);
      // Queued as the settled read returned (its last entry), never before.
      expect(Math.max(...jobsDuringChecks.slice(0, -1))).toBe(0);
      const map = result.decodedPickle!.meta.idToLabel;
      expect(map).toBeInstanceOf(PickleIdMap);
      const before = entriesOf(map as PickleIdMap);
      expect(before.ids.length).toBe(result.idToLabel.size);
      expect(idleSliceJobs()).toBe(1);
      await until(() => idleSliceJobs() === 0, 'the compaction');
      // The same ids, now in a buffer of their own: a fraction of the pickle's.
      const after = entriesOf(map as PickleIdMap);
      expect(after.ids).toEqual(before.ids);
      expect(after.owner).not.toBe(before.owner);
      expect(after.owner.length).toBeLessThan(before.owner.length / 2);
    });
  }
});

describe('a first query asked through prepareQuery, as the embedded client and serve ask', () => {
  const dir = referenceFixture('chroma-1.3.4-seed7');
  const { cases } = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: RecordedCase[] };
  const plain = cases.filter((c) => isPlainQuery(c) && c.error === undefined && c.collection.endsWith('articles'));

  for (const prescan of ['off', 'native'] as const) {
    it(`answers before the kept id map's compaction takes a turn, which follows the answer (pass: ${prescan})`, async () => {
      process.env[PRESCAN_ENV] = prescan;
      expect(plain.length).toBeGreaterThan(0);
      const compactions = spyOnSteps(PickleIdMap.prototype, 'compactIdsSteps');
      try {
        for (const c of plain.slice(0, 3)) {
          await until(() => idleSliceJobs() === 0, 'idle work of earlier tests');
          compactions.clear();
          const folder = ChromaFolder.open(join(dir, 'data'));
          try {
            const ref = splitCollection(c.collection);
            // Turns pass while the checks run and after them (prepareQuery gives the thread back
            // between its steps); a 1-ms timer keeps firing meanwhile, as a server's timers do.
            let ticks = 0;
            const ticking = setInterval(() => ticks++, 1);
            await folder.prepareQuery(ref, c.args, {}, { sliceMs: 0 });
            // Queued by the checks, not yet begun: it waits for the query that follows.
            expect(folder.collection(ref).vectorsLoaded).toBe(false);
            expect(idleSliceJobs()).toBe(1);
            expect(compactions.started()).toBe(0);
            expect(compareCase(c, folder.query(ref, c.args))).toBeNull();
            clearInterval(ticking);
            expect(ticks).toBeGreaterThan(0);
            // Then it runs, once, and ends.
            await until(() => idleSliceJobs() === 0, 'the compaction');
            expect(compactions.started()).toBe(1);
            expect(compactions.calls.length).toBe(1);
          } finally {
            folder.close();
          }
        }
      } finally {
        compactions.restore();
      }
    });
  }
});
