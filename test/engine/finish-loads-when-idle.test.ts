import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PersistentClient } from '../../src-main/index.js';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { EngineService } from '../../src-main/service/engine-service.js';
import { PreparedLoad } from '../../src-main/engine/collection/prepared-load.js';
import { VectorState } from '../../src-main/engine/collection/vector-state.js';
import { PREFAULT_ENV } from '../../src-main/engine/util/prefault.js';
import { compareCase, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';
import { spyOnSteps } from '../helpers/spy-steps.js';
import { until } from '../helpers/wait-for.js';
import { watchStarts } from '../helpers/prepared-starts.js';

// ChromaFolder.finishLoadsWhenIdle (the embedded client and serve turn it on): the vector load a
// first query from the files leaves to a background copy is finished in slices of the thread once
// the copy is done, so that the next query finds the vectors and the graph ready. The answers
// after it must still be the ones real Chroma recorded.

const dir = referenceFixture('chroma-1.3.4-seed7');
const { cases } = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: RecordedCase[] };
// `articles` is the fixture's collection a first query answers from the files.
const plainQueries = cases.filter((c) => {
  const args = c.args as { ids?: unknown; where?: unknown; whereDocument?: unknown };
  return c.op === 'query' && c.error === undefined && splitCollection(c.collection).name === 'articles' && !args.ids && !args.where && !args.whereDocument;
});

/** Opens the fixture (optionally finishing loads when idle) and asks the first plain query: from the files, so the load is left to the background copy. */
async function afterFirstQuery(finish: boolean, releaseAfterMs?: number, copiedBy: 'always' | 'here' = 'always') {
  // The copy for a collection this small too: by a helper thread (`always`), or by this thread in
  // idle slices (`here`, as for any collection under COPY_THREAD_MIN_BYTES).
  process.env[PREFAULT_ENV] = copiedBy;
  const folder = ChromaFolder.open(join(dir, 'data'));
  if (finish) folder.finishLoadsWhenIdle(releaseAfterMs);
  const first = plainQueries[0]!;
  const ref = splitCollection(first.collection);
  const reader = folder.collection(ref);
  expect(compareCase(first, folder.query(ref, first.args))).toBeNull();
  expect(reader.vectorsLoaded, 'the first query was answered from the files').toBe(false);
  return { folder, reader, ref };
}

describe('finishing a left vector load while idle', () => {
  afterEach(() => {
    delete process.env[PREFAULT_ENV];
    vi.restoreAllMocks();
  });

  it.each([
    ['a helper thread', 'always'],
    ['this thread, in idle slices', 'here'],
  ] as const)('loads the vectors and reads the graph from the background copy made by %s, and the next queries give the recorded answers', async (_by, copiedBy) => {
    expect(plainQueries.length).toBeGreaterThan(1);
    const sliced = vi.spyOn(VectorState, 'loadSliced');
    const inOnePiece = vi.spyOn(VectorState, 'load');
    const took = spyOnSteps(PreparedLoad.prototype, 'takeFilledSteps');
    const copiedHere = spyOnSteps(PreparedLoad.prototype, 'fillHereSteps');
    const { folder, reader, ref } = await afterFirstQuery(true, undefined, copiedBy);
    try {
      await until(() => reader.vectorsLoaded && reader.vectors({ forQuery: true }).graphRead, 'the load finished while idle');
      expect(sliced).toHaveBeenCalledTimes(1);
      // The background copy was taken (not the files read again), made where it was meant to be.
      expect(took.calls.map((c) => c.value !== null)).toEqual([true]);
      expect([copiedHere.started(), copiedHere.calls.length]).toEqual(copiedBy === 'here' ? [1, 1] : [0, 0]);
      for (const c of plainQueries.slice(1)) expect(compareCase(c, folder.query(ref, c.args)), c.label).toBeNull();
      // The queries found everything loaded.
      expect(inOnePiece).not.toHaveBeenCalled();
      expect(sliced).toHaveBeenCalledTimes(1);
    } finally {
      took.restore();
      copiedHere.restore();
      folder.close();
    }
  });

  it('waits for the copy to be done', async () => {
    const settled = vi.spyOn(PreparedLoad.prototype, 'settled', 'get').mockReturnValue(false);
    const sliced = vi.spyOn(VectorState, 'loadSliced');
    const { folder, reader } = await afterFirstQuery(true);
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect(sliced).not.toHaveBeenCalled();
      settled.mockRestore();
      await until(() => reader.vectorsLoaded, 'the load once the copy is done');
      expect(sliced).toHaveBeenCalledTimes(1);
    } finally {
      folder.close();
    }
  });

  it('lets go of vectors no call takes in time, and keeps those a call took', async () => {
    for (const taken of [false, true]) {
      const { folder, reader, ref } = await afterFirstQuery(true, 400);
      try {
        await until(() => reader.vectorsLoaded, 'the load finished while idle');
        if (taken) expect(compareCase(plainQueries[1]!, folder.query(ref, plainQueries[1]!.args))).toBeNull();
        await new Promise((r) => setTimeout(r, 700));
        expect(reader.vectorsLoaded, taken ? 'taken by a query' : 'not taken').toBe(taken);
        // Let go, the next query is answered as a first one again, with the recorded answer.
        expect(compareCase(plainQueries[2]!, folder.query(ref, plainQueries[2]!.args))).toBeNull();
      } finally {
        folder.close();
      }
    }
  });

  it('is off unless asked for: the load waits for the next query', async () => {
    const starts = watchStarts();
    const { folder, reader } = await afterFirstQuery(false);
    try {
      await until(() => starts.prepared().some((p) => p.settled), 'the copy');
      await new Promise((r) => setTimeout(r, 100));
      expect(reader.vectorsLoaded).toBe(false);
    } finally {
      folder.close();
      starts.restore();
    }
  });

  it('stops when the folder closes before the copy is done, and loads nothing after', async () => {
    const sliced = vi.spyOn(VectorState, 'loadSliced');
    const { folder } = await afterFirstQuery(true);
    folder.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(sliced).not.toHaveBeenCalled();
  });

  it("is what serve's folders do", async () => {
    process.env[PREFAULT_ENV] = 'always';
    const service = new EngineService();
    const { handle, folder } = service.open(join(dir, 'data'));
    try {
      const first = plainQueries[0]!;
      const ref = splitCollection(first.collection);
      expect(compareCase(first, folder.query(ref, first.args))).toBeNull();
      const reader = folder.collection(ref);
      expect(reader.vectorsLoaded).toBe(false);
      await until(() => reader.vectorsLoaded, 'the load finished while idle');
    } finally {
      await service.close(handle);
    }
  });

  it('is what the embedded client does: after its first query, the load runs in slices before any other call, and a write meanwhile ends it', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'finish-loads-'));
    process.env[PREFAULT_ENV] = 'always';
    // The load waits at its start until the test lets it go: a write can then come in the middle of it.
    let letGo!: () => void;
    const gate = new Promise<void>((resolve) => (letGo = resolve));
    const loadSliced = VectorState.loadSliced.bind(VectorState);
    const sliced = vi.spyOn(VectorState, 'loadSliced').mockImplementation(async (...args) => {
      await gate;
      return loadSliced(...args);
    });
    try {
      cpSync(join(dir, 'data'), join(tmp, 'data'), { recursive: true });
      const client = new PersistentClient({ path: join(tmp, 'data') });
      try {
        const first = plainQueries[0]!;
        const col = await client.getCollection({ name: 'articles', embeddingFunction: null });
        await col.query(first.args as Parameters<typeof col.query>[0]);
        // The first query's prepare checked the files only; the load comes after it, unasked.
        expect(sliced).not.toHaveBeenCalled();
        await until(() => sliced.mock.calls.length === 1, 'the load after the first query');
        // A write while it loads retires its reader: the load stops, and none starts on the next reader.
        const dim = (first.args as { queryEmbeddings: number[][] }).queryEmbeddings[0]!.length;
        await col.add({ ids: ['added-while-loading'], embeddings: [Array.from({ length: dim }, (_, i) => Math.cos(i))] });
        letGo();
        await new Promise((r) => setTimeout(r, 300));
        expect(sliced).toHaveBeenCalledTimes(1);
        expect(await col.count()).toBeGreaterThan(0);
      } finally {
        await client.close();
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
