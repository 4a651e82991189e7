import { readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { VectorState } from '../../src-main/engine/collection/vector-state.js';
import { PreparedLoad } from '../../src-main/engine/collection/prepared-load.js';
import type { BackgroundLoadSlot } from '../../src-main/engine/collection/background-load-slot.js';
import type { CollectionReader } from '../../src-main/engine/collection/collection-reader.js';
import { PREFAULT_ENV } from '../../src-main/engine/util/prefault.js';
import { compareCase, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';
import { fixtureSegment } from '../helpers/fixture-segment.js';
import { mutants } from '../helpers/segment-mutants.js';
import { spyOnSteps } from '../helpers/spy-steps.js';
import { openFilesIn, turnCounter } from '../helpers/event-loop.js';

/**
 * serve and the embedded client load a collection's vectors ahead of a query that needs them
 * (ChromaFolder.prepareQuery → CollectionReader.loadVectorsAhead → VectorState.loadSliced), in
 * slices of their thread, so their other calls go on meanwhile. Whatever the files hold, the
 * state must be the one the one-piece load builds, and every recorded query must still get the
 * answer real Chroma recorded.
 */

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
afterEach(() => {
  delete process.env[PREFAULT_ENV];
  vi.restoreAllMocks();
});

/** The private steps of the load, for spyOnSteps (one call per attempt). */
const loadStepsOf = () => spyOnSteps(VectorState as unknown as { loadSteps: () => Generator }, 'loadSteps');

const ahead = (folder: ChromaFolder, reader: CollectionReader, signal?: AbortSignal) =>
  reader.loadVectorsAhead({ forQuery: true }, { sliceMs: 0, signal }, (fn) => folder.snapshot(fn));

for (const fixture of ['chroma-1.3.4-seed7', 'chroma-1.0.1-seed7']) {
  describe(`vectors loaded ahead of a query, in slices: ${fixture}`, () => {
    const dir = referenceFixture(fixture);
    const { cases } = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: RecordedCase[] };
    const queries = cases.filter((c) => c.op === 'query' && c.error === undefined);

    for (const prefault of ['off', 'always']) {
      it(`answers every recorded query, asked first and again, as Chroma recorded, with no load in one piece (background load ${prefault === 'always' ? 'made and joined' : 'not made'})`, async () => {
        process.env[PREFAULT_ENV] = prefault;
        const onePiece = vi.spyOn(VectorState, 'load');
        const sliced = vi.spyOn(VectorState, 'loadSliced');
        const joined = spyOnSteps(PreparedLoad.prototype, 'takeFilledSteps');
        const turns = turnCounter();
        const mismatches: string[] = [];
        let loadedAhead = 0;
        try {
          for (const c of queries) {
            const folder = ChromaFolder.open(join(dir, 'data'));
            try {
              const ref = splitCollection(c.collection);
              for (const round of ['first', 'again']) {
                await folder.prepareQuery(ref, c.args, {}, { sliceMs: 0 });
                const bad = compareCase(c, folder.query(ref, c.args));
                if (bad) mismatches.push(`${c.collection} | ${c.label} (${round}): ${bad}`);
                // The background load (prepared-load.ts) starts at the next turn after a first answer from the files.
                await new Promise((r) => setImmediate(r));
              }
              if (folder.collection(ref).vectorsLoaded) loadedAhead++;
            } finally {
              folder.close();
            }
          }
        } finally {
          turns.stop();
          joined.restore();
        }
        expect(mismatches).toEqual([]);
        // With a background load made, the second query's load took its copy, in steps.
        expect(joined.calls.filter((c) => c.value !== null).length > 0).toBe(prefault === 'always');
        expect(onePiece).not.toHaveBeenCalled();
        expect(loadedAhead).toBeGreaterThan(queries.length / 2);
        expect(sliced.mock.calls.length).toBe(loadedAhead);
        expect(turns.turns()).toBeGreaterThan(loadedAhead * 2);
      });
    }
  });
}

/** What a loaded state holds and answers: compared between the one-piece load and the sliced one. */
function observe(reader: CollectionReader): unknown {
  let state: VectorState;
  try {
    state = reader.vectors({ forQuery: true });
  } catch (err) {
    return { threw: (err as Error).message };
  }
  const dim = reader.dimension!;
  const searches = [1, 2, 3].map((seed) => {
    const q = Float32Array.from({ length: dim }, (_, i) => Math.sin(seed * (i + 1)));
    try {
      return state.search(q, 10, null);
    } catch (err) {
      return (err as Error).message;
    }
  });
  return {
    problems: state.problems,
    size: state.size,
    seq: state.checkpointSeq,
    ids: [...state.idToLabel].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    damaged: [...state.damagedLabels].sort((a, b) => a - b),
    searches,
  };
}

/** The collection loaded both ways, each on a fresh open of `dir`. */
async function bothWays(dir: string, collection: string) {
  const whole = ChromaFolder.open(dir);
  const slicedFolder = ChromaFolder.open(dir);
  try {
    const a = observe(whole.collection({ name: collection }));
    const reader = slicedFolder.collection({ name: collection });
    const onePiece = vi.spyOn(VectorState, 'load');
    await ahead(slicedFolder, reader);
    const loadedAhead = reader.vectorsLoaded;
    const b = observe(reader);
    const fellBack = onePiece.mock.calls.length > 0;
    onePiece.mockRestore();
    return { whole: a, sliced: b, loadedAhead, fellBack };
  } finally {
    whole.close();
    slicedFolder.close();
  }
}

describe('a sliced vector load', () => {
  for (const target of [
    { fixture: 'chroma-1.3.4-seed7', collection: 'articles' },
    { fixture: 'workload-1.3.4-seed7', collection: 'sensors' },
  ]) {
    it(`builds the state the one-piece load builds: ${target.fixture} / ${target.collection}, sound and under every mutant`, async () => {
      const { dir, segDir, space } = fixtureSegment(target.fixture, target.collection, temps);
      const sound = await bothWays(dir, target.collection);
      expect(sound.loadedAhead).toBe(true);
      expect(sound.fellBack).toBe(false);
      expect((sound.whole as { size: number }).size).toBeGreaterThan(0);
      expect(sound.sliced).toEqual(sound.whole);
      const differ: string[] = [];
      for (const m of mutants(segDir, 9300, null, space)) {
        const file = join(segDir, m.file);
        const original = readFileSync(file);
        writeFileSync(file, m.bytes);
        try {
          const { whole, sliced } = await bothWays(dir, target.collection);
          if (JSON.stringify(sliced) !== JSON.stringify(whole)) differ.push(m.name);
        } finally {
          writeFileSync(file, original);
        }
      }
      expect(differ).toEqual([]);
    });
  }

  /** A private copy of a fixture, `articles` opened on it, and one of its segment files to move (a persist rewrites them; here one gets a new time). */
  function onACopy() {
    const { dir, segDir } = fixtureSegment('chroma-1.3.4-seed7', 'articles', temps);
    const folder = ChromaFolder.open(dir);
    const reader = folder.collection({ name: 'articles' });
    const file = join(segDir, readdirSync(segDir).find((f) => f.endsWith('.bin'))!);
    let moves = 0;
    const moveAFile = () => utimesSync(file, new Date(), new Date(Date.now() + 5000 + ++moves * 1000));
    return { dir, segDir, folder, reader, moveAFile };
  }

  /** Each recorded `articles` query, asked of the reader: mismatches with Chroma's answers. */
  function askRecorded(folder: ChromaFolder): string[] {
    const { cases } = JSON.parse(readFileSync(join(referenceFixture('chroma-1.3.4-seed7'), 'cases.json'), 'utf8')) as { cases: RecordedCase[] };
    const mine = cases.filter((c) => c.op === 'query' && c.error === undefined && c.collection.endsWith('articles'));
    expect(mine.length).toBeGreaterThan(0);
    return mine.map((c) => compareCase(c, folder.query({ name: 'articles' }, c.args))).filter((bad): bad is string => !!bad);
  }

  it('reads the files again when they move under it, and takes them as they are when they keep moving', async () => {
    const once = onACopy();
    try {
      const attempts = loadStepsOf();
      // A turn of its own: a runner that follows sliced work in the same turn waits for the next one first.
      await new Promise((r) => setImmediate(r));
      const loading = ahead(once.folder, once.reader);
      // The load's first step ran: the stamp it reads under is taken. Then a persist begins.
      once.moveAFile();
      await loading;
      expect(attempts.started()).toBe(2);
      expect(once.reader.vectorsLoaded).toBe(true);
      expect(askRecorded(once.folder)).toEqual([]);
      attempts.restore();
    } finally {
      once.folder.close();
    }

    const always = onACopy();
    const attempts = loadStepsOf();
    let moving = setImmediate(function move() {
      always.moveAFile();
      moving = setImmediate(move);
    });
    try {
      always.moveAFile();
      await ahead(always.folder, always.reader);
      expect(attempts.started()).toBe(3);
      expect(always.reader.vectorsLoaded).toBe(true);
    } finally {
      clearImmediate(moving);
      attempts.restore();
      always.folder.close();
    }
  });

  it('gives the thread back; a cancel throws CANCELLED, keeps nothing, and leaves no file open', async () => {
    const { folder, reader, segDir } = onACopy();
    try {
      const controller = new AbortController();
      const loading = ahead(folder, reader, controller.signal);
      await new Promise((r) => setImmediate(r));
      controller.abort();
      await expect(loading).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(reader.vectorsLoaded).toBe(false);
      expect(openFilesIn(segDir)).toEqual([]);

      const turns = turnCounter();
      await ahead(folder, reader);
      turns.stop();
      expect(reader.vectorsLoaded).toBe(true);
      expect(turns.turns()).toBeGreaterThan(2);
      expect(askRecorded(folder)).toEqual([]);
    } finally {
      folder.close();
    }
  });

  it('is shared by two callers at once, and not kept by a reader released meanwhile', async () => {
    const { folder, reader } = onACopy();
    try {
      const attempts = loadStepsOf();
      await Promise.all([ahead(folder, reader), ahead(folder, reader)]);
      expect(attempts.started()).toBe(1);
      expect(reader.vectorsLoaded).toBe(true);

      reader.release();
      const loading = ahead(folder, reader);
      reader.release();
      await loading;
      expect(attempts.started()).toBe(2);
      expect(reader.vectorsLoaded).toBe(false);
      attempts.restore();
      expect(askRecorded(folder)).toEqual([]);
    } finally {
      folder.close();
    }
  });

  it('stops quietly, keeping nothing, once the folder replaced the reader or closed', async () => {
    const turns = async (n: number) => {
      for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
    };
    for (const end of ['refresh', 'close'] as const) {
      const { folder, reader, segDir } = onACopy();
      const attempts = loadStepsOf();
      try {
        const loading = ahead(folder, reader);
        await turns(1);
        if (end === 'refresh') folder.refresh();
        else folder.close();
        await loading;
        // Started, and stopped before its end: nothing kept, no file left open.
        expect(attempts.started()).toBe(1);
        expect(attempts.calls).toEqual([]);
        expect(reader.vectorsLoaded).toBe(false);
        expect(openFilesIn(segDir)).toEqual([]);
        if (end === 'refresh') expect(askRecorded(folder)).toEqual([]);
      } finally {
        attempts.restore();
        folder.close();
      }
    }
  });

  it('resolves, for the query to report the close, when the folder closes during a first query’s checks', async () => {
    const { folder, reader } = onACopy();
    const args = { queryEmbeddings: [Array.from({ length: reader.dimension! }, (_, i) => Math.sin(i))], nResults: 3 };
    const preparing = folder.prepareQuery({ name: 'articles' }, args, {}, { sliceMs: 0 });
    await new Promise((r) => setImmediate(r));
    folder.close();
    await expect(preparing).resolves.toBeUndefined();
  });

  it('leaves no background load behind when a first query from the files is answered while a load ahead runs', async () => {
    process.env[PREFAULT_ENV] = 'always';
    const { folder, reader } = onACopy();
    try {
      const plain = { queryEmbeddings: [Array.from({ length: reader.dimension! }, (_, i) => Math.sin(i))], nResults: 3 };
      const filtered = { ...plain, where: { category: 'news' } };
      const first = (async () => {
        await folder.prepareQuery({ name: 'articles' }, plain, {}, { sliceMs: 0 });
        return folder.query({ name: 'articles' }, plain);
      })();
      await new Promise((r) => setImmediate(r));
      const second = (async () => {
        await folder.prepareQuery({ name: 'articles' }, filtered, {}, { sliceMs: 0 });
        return folder.query({ name: 'articles' }, filtered);
      })();
      await Promise.all([first, second]);
      await new Promise((r) => setTimeout(r, 50));
      expect(reader.vectorsLoaded).toBe(true);
      const held = reader as unknown as { background: BackgroundLoadSlot };
      expect(held.background.busy).toBe(false);
    } finally {
      folder.close();
    }
  });

  it('does not take a graph whose files moved between the load and its read: the query is answered exactly, and says so', async () => {
    const { folder, reader, moveAFile } = onACopy();
    try {
      const read = VectorState.prototype.prepareGraph;
      vi.spyOn(VectorState.prototype, 'prepareGraph').mockImplementation(function (this: VectorState, slice) {
        moveAFile();
        return read.call(this, slice);
      });
      await ahead(folder, reader);
      const problems = reader.vectors().problems.map((p) => p.code);
      expect(problems).toContain('hnsw.graph-unavailable');
    } finally {
      folder.close();
    }
  });

  it('starts again on the new reader when the data changes during a prepare, so the query loads nothing itself', async () => {
    const { folder, reader } = onACopy();
    try {
      const args = { queryEmbeddings: [Array.from({ length: reader.dimension! }, (_, i) => Math.sin(i))], nResults: 3, where: { category: 'news' } };
      const onePiece = vi.spyOn(VectorState, 'load');
      const preparing = folder.prepareQuery({ name: 'articles' }, args, {}, { sliceMs: 0 });
      await new Promise((r) => setImmediate(r));
      folder.refresh();
      await preparing;
      const now = folder.collection({ name: 'articles' });
      expect(now).not.toBe(reader);
      expect(now.vectorsLoaded).toBe(true);
      folder.query({ name: 'articles' }, args);
      expect(onePiece).not.toHaveBeenCalled();
    } finally {
      folder.close();
    }
  });

  it('reads the graph ahead, once for callers at once and in slices, for vectors loaded without it', async () => {
    const { folder, reader } = onACopy();
    try {
      folder.get({ name: 'articles' }, { limit: 1, include: ['embeddings'] });
      expect(reader.vectorsLoaded).toBe(true);
      const graphs = spyOnSteps(VectorState.prototype as unknown as { graphSteps: () => Generator }, 'graphSteps');
      const turns = turnCounter();
      const args = { queryEmbeddings: [Array.from({ length: reader.dimension! }, (_, i) => Math.sin(i))], nResults: 3 };
      await Promise.all([1, 2, 3].map(() => folder.prepareQuery({ name: 'articles' }, args, {}, { sliceMs: 0 })));
      turns.stop();
      expect(graphs.started()).toBe(1);
      expect(reader.vectors().graphRead).toBe(true);
      // No collected rows: the graph's own walk of data_level0.bin pauses after each chunk.
      expect(turns.turns()).toBeGreaterThan(1);
      graphs.restore();
      expect(askRecorded(folder)).toEqual([]);
    } finally {
      folder.close();
    }
  });

  it('lets the second of two callers at once cancel its own wait, while the first one’s load goes on', async () => {
    const { folder, reader } = onACopy();
    try {
      const controller = new AbortController();
      const first = ahead(folder, reader);
      const second = ahead(folder, reader, controller.signal);
      controller.abort();
      await expect(second).rejects.toMatchObject({ code: 'CANCELLED' });
      await first;
      expect(reader.vectorsLoaded).toBe(true);
    } finally {
      folder.close();
    }
  });
});
