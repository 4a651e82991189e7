import { cpSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { Level0Prescan, PRESCAN_ENV } from '../../src-main/engine/hnsw/level0-prescan.js';
import { UnloadedVectors } from '../../src-main/engine/collection/unloaded-vectors.js';
import { EMBEDDINGS_FROM_FILES_UP_TO } from '../../src-main/engine/query/get-result.js';
import { compareCase, isPlainQuery, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';
import { PreparedLoad } from '../../src-main/engine/collection/prepared-load.js';
import { PREPARED_IDLE_MS } from '../../src-main/engine/collection/collection-reader.js';
import { PREFAULT_ENV } from '../../src-main/engine/util/prefault.js';
import { until as untilFor } from '../helpers/wait-for.js';
import { spyOnSteps } from '../helpers/spy-steps.js';
import { addonMissing, addonSuite } from '../helpers/addon.js';
import { watchStarts } from '../helpers/prepared-starts.js';

const until = (test: () => boolean, ms = 20_000) => untilFor(test, 'the background load', ms);

/**
 * A collection's first plain query is answered by walking the HNSW graph in the checkpoint's files
 * (collection/unloaded-vectors.ts). Every recorded query case, asked as the first call on a freshly
 * opened folder, must still give the answer real Chroma recorded — whether the files answered it
 * or the walk declined and the vectors were loaded (a WAL tail, a filter, any warning).
 */
for (const fixture of ['chroma-1.3.4-seed7', 'chroma-1.0.1-seed7']) {
  describe(`first query from the files: ${fixture}`, () => {
    const dir = referenceFixture(fixture);
    const { cases } = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: RecordedCase[] };
    const queries = cases.filter((c) => c.op === 'query' && c.error === undefined);

    /** Every recorded query asked as the first call on a fresh open: mismatches, and which were answered from the files. */
    const askEachFirst = () => {
      const mismatches: string[] = [];
      const fromFiles: string[] = [];
      const loadedForFilter: string[] = [];
      for (const c of queries) {
        const folder = ChromaFolder.open(join(dir, 'data'));
        try {
          const ref = splitCollection(c.collection);
          const bad = compareCase(c, folder.query(ref, c.args));
          if (bad) mismatches.push(`${c.collection} | ${c.label}: ${bad}`);
          const args = c.args as { ids?: unknown; where?: unknown; whereDocument?: unknown };
          const plain = !args.ids && !args.where && !args.whereDocument;
          const loaded = folder.collection(ref).vectorsLoaded;
          if (plain && !loaded) fromFiles.push(c.label);
          if (!plain) loadedForFilter.push(`${c.label}: ${loaded}`);
        } finally {
          folder.close();
        }
      }
      return { mismatches, fromFiles, loadedForFilter };
    };

    /** askEachFirst, each plain query's checks run ahead in slices of no length (prepareQuery), as the embedded client and serve ask. */
    const askEachFirstAhead = async () => {
      const mismatches: string[] = [];
      const fromFiles: string[] = [];
      let plain = 0;
      for (const c of queries) {
        const folder = ChromaFolder.open(join(dir, 'data'));
        try {
          const ref = splitCollection(c.collection);
          await folder.prepareQuery(ref, c.args, {}, { sliceMs: 0 });
          const bad = compareCase(c, folder.query(ref, c.args));
          if (bad) mismatches.push(`${c.collection} | ${c.label}: ${bad}`);
          const args = c.args as { ids?: unknown; where?: unknown; whereDocument?: unknown };
          if (args.ids || args.where || args.whereDocument) continue;
          plain++;
          if (!folder.collection(ref).vectorsLoaded) fromFiles.push(c.label);
        } finally {
          folder.close();
        }
      }
      return { mismatches, fromFiles, plain };
    };

    it('gives Chroma’s recorded answer to every query asked first, from the files when it is plain', () => {
      const { mismatches, fromFiles, loadedForFilter } = askEachFirst();
      expect(mismatches).toEqual([]);
      console.info(`[first query] ${fixture}: ${fromFiles.length} of ${queries.length} recorded queries answered from the files`);
      // The fixtures hold collections the walk answers and ones it leaves to the load (WAL tails).
      expect(fromFiles.length).toBeGreaterThan(0);
      expect(fromFiles.length).toBeLessThan(queries.filter((c) => !(c.args as { where?: unknown }).where).length);
      // Filters need the loaded labels: never answered from the files.
      expect(loadedForFilter.every((s) => s.endsWith('true'))).toBe(true);
    });

    it('gives the same answers, from the same queries, when the checks of the files run ahead in slices (prepareQuery), with the pass in a worker, on the addon’s thread or not', async () => {
      const own = askEachFirst();
      for (const mode of ['off', 'worker', 'native']) {
        process.env[PRESCAN_ENV] = mode;
        const checks = spyOnSteps(UnloadedVectors, 'checkFiles');
        let turns = 0;
        let counting = setImmediate(function tick() {
          turns++;
          counting = setImmediate(tick);
        });
        try {
          const ahead = await askEachFirstAhead();
          expect(ahead.mismatches).toEqual([]);
          expect(ahead.fromFiles).toEqual(own.fromFiles);
          // Each plain first query was checked once, ahead (the query took those checks: files unchanged).
          expect(checks.started()).toBe(ahead.plain);
          expect(turns).toBeGreaterThan(ahead.plain);
        } finally {
          delete process.env[PRESCAN_ENV];
          clearImmediate(counting);
          checks.restore();
        }
      }
    });

    it('prepareQuery checks only for a query the files will answer, once for two at a time, and takes the record count beside the worker', async () => {
      const c = queries.find(isPlainQuery)!;
      const ref = splitCollection(c.collection);
      const args = c.args as { queryEmbeddings: number[][] };
      const checks = spyOnSteps(UnloadedVectors, 'checkFiles');
      process.env[PRESCAN_ENV] = 'always';
      const folder = ChromaFolder.open(join(dir, 'data'));
      try {
        const reader = folder.collection(ref);
        // Refused (a wrong dimension) or answered empty (nResults 0) before the files are asked: no check.
        await folder.prepareQuery(ref, { ...args, queryEmbeddings: [[1, 2, 3]] });
        await folder.prepareQuery(ref, { ...args, nResults: 0 });
        expect(checks.started()).toBe(0);

        // Two at once (serve): one check; the record count was taken during it.
        const counted = vi.spyOn(reader, 'count');
        await Promise.all([folder.prepareQuery(ref, args, {}, { sliceMs: 0 }), folder.prepareQuery(ref, args, {}, { sliceMs: 0 })]);
        expect(checks.started()).toBe(1);
        expect(counted).toHaveBeenCalled();
        expect(compareCase(c, folder.query(ref, args))).toBeFalsy();
        expect(checks.started()).toBe(1);

        // Checked ahead, then the vectors loaded instead (a get of every record's embeddings; a few
        // are read from the files): the checks are let go.
        folder.close();
        const again = ChromaFolder.open(join(dir, 'data'));
        try {
          await again.prepareQuery(ref, args);
          // Checked, and opened (with the SQLite part of the checks) for the query to come.
          const held = () => {
            const r = again.collection(ref) as unknown as { checkedFiles: unknown; openedAhead: unknown };
            return r.checkedFiles ?? r.openedAhead;
          };
          expect(held()).toBeTruthy();
          expect(again.collection(ref).count()).toBeGreaterThan(EMBEDDINGS_FROM_FILES_UP_TO);
          again.get(ref, { include: ['embeddings'] });
          expect(held()).toBeFalsy();
        } finally {
          again.close();
        }
      } finally {
        delete process.env[PRESCAN_ENV];
        checks.restore();
        folder.close();
      }
    });

    it('checks the files again when they changed between prepareQuery and the query', async () => {
      const copy = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-ahead-')), 'data');
      cpSync(join(dir, 'data'), copy, { recursive: true });
      const c = queries.find((q) => !(q.args as { where?: unknown; whereDocument?: unknown; ids?: unknown }).where && !(q.args as { whereDocument?: unknown }).whereDocument && !(q.args as { ids?: unknown }).ids)!;
      const folder = ChromaFolder.open(copy);
      const checks = spyOnSteps(UnloadedVectors, 'checkFiles');
      try {
        const ref = splitCollection(c.collection);
        await folder.prepareQuery(ref, c.args);
        const seg = folder.collection(ref).catalog.vectorSegment!.id;
        const pickle = join(copy, seg, 'index_metadata.pickle');
        const later = new Date(Date.now() + 5000);
        utimesSync(pickle, later, later);
        expect(compareCase(c, folder.query(ref, c.args))).toBeFalsy();
        expect(checks.started()).toBe(2);
      } finally {
        checks.restore();
        folder.close();
        rmSync(join(copy, '..'), { recursive: true, force: true });
      }
    });

    const onAddon = addonMissing('prescanLevel0', 'prescanStop');
    const passes = [
      ['in a worker', 'worker', null],
      [addonSuite('on the addon’s thread', onAddon), 'native', onAddon],
    ] as const;
    it.for(passes)('gives the same answers, from the same queries, when the level-0 pass runs %s', ([, mode, missing], { skip }) => {
      if (missing !== null) skip(missing);
      const own = askEachFirst();
      process.env[PRESCAN_ENV] = mode;
      const finish = spyOnSteps(Level0Prescan.prototype, 'finishSteps');
      try {
        const inWorker = askEachFirst();
        expect(inWorker.mismatches).toEqual([]);
        expect(inWorker.fromFiles).toEqual(own.fromFiles);
        // The worker answered every check it was asked (none fell back to the reader's own pass).
        expect(finish.calls.length).toBeGreaterThan(0);
        expect(finish.calls.every((r) => r.value !== null)).toBe(true);
      } finally {
        delete process.env[PRESCAN_ENV];
        finish.restore();
      }
    });

    /** Plain queries asked first, then every plain query of the collection, a tick later (the background load then runs). */
    const askAfterABackgroundLoad = async (when: 'settled' | 'next tick' | 'at once') => {
      const plain = queries.filter(isPlainQuery);
      const starts = watchStarts();
      for (const c of plain) {
        const folder = ChromaFolder.open(join(dir, 'data'));
        try {
          const ref = splitCollection(c.collection);
          const before = starts.calls();
          expect(compareCase(c, folder.query(ref, c.args)), c.label).toBeNull();
          if (when !== 'at once') await new Promise((r) => setImmediate(r));
          if (when === 'settled' && starts.calls() > before) {
            await until(() => starts.started.length === starts.calls());
            const prepared = starts.started.at(-1);
            if (prepared) await until(() => prepared.settled);
          }
          for (const other of plain.filter((o) => o.collection === c.collection)) {
            expect(compareCase(other, folder.query(ref, other.args)), `${c.label}, then ${other.label}`).toBeNull();
          }
        } finally {
          folder.close();
        }
      }
      starts.restore();
    };

    for (const [when, title] of [
      ['settled', 'loads the vectors in the background after a first answer from the files, and answers the same from them'],
      ['at once', 'starts the background load and joins it when the second query comes before the event loop turns'],
    ] as const) {
      it(title, async () => {
        process.env[PREFAULT_ENV] = 'always';
        const filled = vi.spyOn(PreparedLoad.prototype, 'takeFilled');
        try {
          await askAfterABackgroundLoad(when);
          expect(filled.mock.results.some((r) => r.value !== null)).toBe(true);
        } finally {
          delete process.env[PREFAULT_ENV];
          filled.mockRestore();
        }
      });
    }

    it('answers the same when the load reads the files itself into the memory the background load made', async () => {
      process.env[PREFAULT_ENV] = 'always';
      // As when the second query comes before the background load is done.
      const filled = vi.spyOn(PreparedLoad.prototype, 'takeFilled').mockReturnValue(null);
      const arena = vi.spyOn(PreparedLoad.prototype, 'takeArena');
      const rows = vi.spyOn(PreparedLoad.prototype, 'takeRows');
      try {
        await askAfterABackgroundLoad('next tick');
        expect(arena.mock.results.some((r) => r.value !== null)).toBe(true);
        expect(rows.mock.results.some((r) => r.value !== null)).toBe(true);
      } finally {
        delete process.env[PREFAULT_ENV];
        for (const spy of [filled, arena, rows]) spy.mockRestore();
      }
    });

    it('stops the background load when the folder closes before a second query', async () => {
      const plain = queries.filter(isPlainQuery);
      process.env[PREFAULT_ENV] = 'always';
      const starts = watchStarts();
      const released = vi.spyOn(PreparedLoad.prototype, 'release');
      try {
        for (const [i, c] of plain.entries()) {
          const folder = ChromaFolder.open(join(dir, 'data'));
          folder.query(splitCollection(c.collection), c.args);
          // Closed once the load has started (the first ones), or while it is still starting.
          await new Promise((r) => setImmediate(r));
          if (i % 2 === 0) await until(() => starts.started.length === starts.calls());
          folder.close();
          expect(released.mock.calls.length, c.label).toBe(starts.prepared().length);
        }
        expect(released.mock.calls.length).toBeGreaterThan(0);
        // Closed before the next turn of the event loop: nothing starts at all.
        const before = starts.calls();
        const folder = ChromaFolder.open(join(dir, 'data'));
        folder.query(splitCollection(plain[0]!.collection), plain[0]!.args);
        folder.close();
        await new Promise((r) => setImmediate(r));
        expect(starts.calls()).toBe(before);
      } finally {
        delete process.env[PREFAULT_ENV];
        starts.restore();
        released.mockRestore();
      }
    });

    it('lets go of a background load no query takes within PREPARED_IDLE_MS', async () => {
      const plain = queries.find(isPlainQuery)!;
      process.env[PREFAULT_ENV] = 'always';
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const released = vi.spyOn(PreparedLoad.prototype, 'release');
      const starts = watchStarts();
      const folder = ChromaFolder.open(join(dir, 'data'));
      try {
        folder.query(splitCollection(plain.collection), plain.args);
        // Started in slices, one per turn of the event loop (setTimeout is faked here: no polling by timer).
        for (let turn = 0; turn < 10_000 && starts.prepared().length === 0; turn++) await new Promise((r) => setImmediate(r));
        expect(starts.prepared().length).toBe(1);
        vi.advanceTimersByTime(PREPARED_IDLE_MS - 1000);
        expect(released).not.toHaveBeenCalled();
        vi.advanceTimersByTime(2000);
        expect(released).toHaveBeenCalledTimes(1);
        // The next query loads the files itself, and still answers as Chroma.
        expect(compareCase(plain, folder.query(splitCollection(plain.collection), plain.args))).toBeNull();
      } finally {
        folder.close();
        vi.useRealTimers();
        starts.restore();
        released.mockRestore();
        delete process.env[PREFAULT_ENV];
      }
    });

    it('answers later queries from the loaded vectors', () => {
      const plain = queries.filter(isPlainQuery);
      const folder = ChromaFolder.open(join(dir, 'data'));
      try {
        for (const c of plain) expect(compareCase(c, folder.query(splitCollection(c.collection), c.args)), c.label).toBeNull();
        for (const c of plain) expect(folder.collection(splitCollection(c.collection)).vectorsLoaded, c.label).toBe(true);
      } finally {
        folder.close();
      }
    });
  });
}
