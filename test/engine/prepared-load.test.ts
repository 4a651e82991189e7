import { cpSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PersistentClient } from '../../src-main/index.js';
import { PreparedLoad } from '../../src-main/engine/collection/prepared-load.js';
import { BackgroundLoadSlot } from '../../src-main/engine/collection/background-load-slot.js';
import { COPY_THREAD_MIN_BYTES, PREFAULT_ENV, worthACopyThread } from '../../src-main/engine/util/prefault.js';
import { idleSliceJobs } from '../../src-main/engine/util/idle-slices.js';
import { withLoadProgress } from '../../src-main/engine/util/load-progress.js';
import { until } from '../helpers/wait-for.js';
import { watchStarts } from '../helpers/prepared-starts.js';
import { expectSameAsTheFiles, firstQuery, planAfterFirstQuery, seed7 as dir } from '../helpers/prepared-load-plan.js';

// The load a first query from the files leaves to the second, done in the background
// (collection/prepared-load.ts, hnsw/level0-fill-program.ts). What it copies is compared with
// what the ordinary load takes from the same files, and its copy must be refused once the files
// move. (That the answers then equal Chroma's is first-query-from-files.test.ts's.)

// The fixture's only collection a first query answers from the files is cosine (`articles`): an
// l2 one comes from our write engine (persisted every 100 records, so no WAL tail is left).
let written = '';

beforeAll(async () => {
  written = join(mkdtempSync(join(tmpdir(), 'prepared-load-l2-')), 'data');
  const client = new PersistentClient({ path: written });
  const col = await client.createCollection({ name: 'l2c', metadata: { 'hnsw:space': 'l2', 'hnsw:sync_threshold': 100, 'hnsw:batch_size': 100 }, embeddingFunction: null });
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0), seed / 4294967296);
  const ids = Array.from({ length: 1000 }, (_, i) => `id${i}`);
  await col.add({ ids, embeddings: ids.map(() => Array.from({ length: 16 }, rand)) });
  await client.close();
});

afterAll(() => {
  if (written) rmSync(join(written, '..'), { recursive: true, force: true });
});

/** The same background load started again (the first one stopped), e.g. with no helper thread or small chunks. */
function restarted(prepared: PreparedLoad, space: Parameters<typeof PreparedLoad.start>[0], opts: Parameters<typeof PreparedLoad.start>[2]): PreparedLoad {
  prepared.release();
  const plan = (prepared as unknown as { plan: Parameters<typeof PreparedLoad.start>[1] }).plan;
  return PreparedLoad.start(space, plan, opts)!;
}

describe('the background vector load', () => {
  afterEach(() => {
    delete process.env[PREFAULT_ENV];
    vi.restoreAllMocks();
  });

  // `articles` is cosine (with length.bin norms), `l2c` l2.
  for (const name of ['articles', 'l2c']) {
    const dataOf = () => (name === 'l2c' ? written : join(dir, 'data'));

    it(`copies what the load takes from the files: ${name}`, async () => {
      process.env[PREFAULT_ENV] = 'always';
      const { folder, reader, prepared, dim } = await firstQuery(dataOf(), name);
      try {
        expect(prepared, 'a first query from the files prepares the load').not.toBeNull();
        await until(() => prepared!.settled, 'the fill');
        const filled = prepared!.takeFilled(reader.params.space, dim)!;
        expect(filled).not.toBeNull();
        expectSameAsTheFiles(filled, reader, dataOf());
      } finally {
        folder.close();
      }
    });

    // Three elements a chunk: many chunks, claimed by the helper and by a load that joins at once.
    it(`gives the same copy in small chunks, the helper's alone or shared with a joining load: ${name}`, async () => {
      process.env[PREFAULT_ENV] = 'always';
      const { folder, reader, prepared, dim } = await firstQuery(dataOf(), name);
      try {
        const header = (prepared as unknown as { plan: { header: { sizeDataPerElement: number; curElementCount: number } } }).plan.header;
        const small = { chunkBytes: 3 * header.sizeDataPerElement };
        const byHelper = restarted(prepared!, reader.params.space, small);
        await until(() => byHelper.settled, 'the fill');
        expect(byHelper.copiedChunks).toBe(Math.ceil(header.curElementCount / 3));
        const alone = byHelper.takeFilled(reader.params.space, dim)!;
        expectSameAsTheFiles(alone, reader, dataOf());
        reader.release();
        const joined = restarted(byHelper, reader.params.space, small);
        const shared = joined.takeFilled(reader.params.space, dim)!;
        expect(shared).not.toBeNull();
        // Handed over only once the helper is out: nothing writes into the load's memory after.
        expect(joined.threadsInside).toBe(0);
        expectSameAsTheFiles(shared, reader, dataOf());
      } finally {
        folder.close();
      }
    });
  }

  it('is joined by a load that comes first: the load copies the chunks left, and gets the same copy', async () => {
    process.env[PREFAULT_ENV] = 'always';
    const { folder, reader, prepared, dim } = await firstQuery(join(dir, 'data'), 'articles');
    try {
      const alone = restarted(prepared!, reader.params.space, { helper: false });
      expect(alone.settled).toBe(false);
      const filled = alone.takeFilled(reader.params.space, dim)!;
      expect(filled).not.toBeNull();
      expect(alone.copiedChunks).toBeGreaterThan(0);
      expectSameAsTheFiles(filled, reader, join(dir, 'data'));
    } finally {
      folder.close();
    }
  });

  it('is joined in steps that give the thread back (a sliced load), a chunk at a time, and gets the same copy', async () => {
    process.env[PREFAULT_ENV] = 'always';
    const { folder, reader, prepared, dim } = await firstQuery(join(dir, 'data'), 'articles');
    try {
      const header = (prepared as unknown as { plan: { header: { sizeDataPerElement: number; curElementCount: number } } }).plan.header;
      const perChunk = 3;
      const alone = restarted(prepared!, reader.params.space, { helper: false, chunkBytes: perChunk * header.sizeDataPerElement });
      const steps = alone.takeFilledSteps(reader.params.space, dim, 0);
      let pauses = 0;
      const copiedAtPauses: number[] = [];
      let r = steps.next();
      for (; !r.done; r = steps.next()) {
        pauses++;
        copiedAtPauses.push(alone.copiedChunks);
      }
      const chunks = Math.ceil(header.curElementCount / perChunk);
      // No helper: every chunk is this thread's, one per step, the thread given back between them;
      // then once more, with every chunk copied, as the slab's label table is laid out.
      expect(pauses).toBe(chunks);
      expect(copiedAtPauses).toEqual(Array.from({ length: chunks }, (_, i) => Math.min(i + 1, chunks)));
      expect(r.value).not.toBeNull();
      expectSameAsTheFiles(r.value!, reader, join(dir, 'data'));
    } finally {
      folder.close();
    }
  });

  it('without a helper thread is copied by this thread in slices, a chunk or more each, reading into one buffer; the load then takes the copy', async () => {
    const { folder, reader, plan, dim } = await planAfterFirstQuery();
    try {
      const perChunk = 3;
      const here = PreparedLoad.start(reader.params.space, plan, { helper: false, chunkBytes: perChunk * plan.header.sizeDataPerElement })!;
      expect(here.fillsHere).toBe(true);
      const allocated = vi.spyOn(Buffer, 'allocUnsafeSlow');
      // A slice of 0 ms: one chunk a step.
      const steps = here.fillHereSteps(0);
      let pauses = 0;
      for (let r = steps.next(); !r.done; r = steps.next()) pauses++;
      const chunks = Math.ceil(plan.header.curElementCount / perChunk);
      expect(pauses).toBe(chunks - 1);
      expect(here.settled).toBe(true);
      expect(here.copiedChunks).toBe(chunks);
      // The chunk buffer and the norms' buffer (cosine), once, not once per slice.
      expect(allocated).toHaveBeenCalledTimes(2);
      allocated.mockRestore();
      expectSameAsTheFiles(here.takeFilled(reader.params.space, dim)!, reader, join(dir, 'data'));
      // A helper thread copies by default only from COPY_THREAD_MIN_BYTES (and PREFAULT_ENV `always`).
      const helped = PreparedLoad.start(reader.params.space, plan, {})!;
      expect(helped.fillsHere).toBe(false);
      helped.release();
      process.env[PREFAULT_ENV] = 'here';
      const byDefault = PreparedLoad.start(reader.params.space, plan, {})!;
      expect(byDefault.fillsHere).toBe(true);
      byDefault.release();
      delete process.env[PREFAULT_ENV];
      expect([worthACopyThread(COPY_THREAD_MIN_BYTES - 1), worthACopyThread(COPY_THREAD_MIN_BYTES)]).toEqual([false, true]);
    } finally {
      folder.close();
    }
  });

  it('a slot copies a load without a helper in slices of the thread while idle, and stops when a load takes it mid-copy', async () => {
    const { folder, reader, plan, dim } = await planAfterFirstQuery();
    process.env[PREFAULT_ENV] = 'here';
    try {
      const perChunk = 2;
      const slot = new BackgroundLoadSlot(reader.params.space, () => false, { start: { chunkBytes: perChunk * plan.header.sizeDataPerElement }, sliceMs: 0 });
      const starts = watchStarts();
      slot.offer(plan);
      await until(() => starts.prepared().length > 0 && starts.prepared()[0]!.copiedChunks > 0, 'the first slices of the copy');
      const prepared = starts.prepared()[0]!;
      starts.restore();
      expect(prepared.fillsHere).toBe(true);
      const chunks = Math.ceil(plan.header.curElementCount / perChunk);
      expect(prepared.copiedChunks, 'not in one piece').toBeLessThan(chunks);
      // A load comes mid-copy: it copies what is left itself, and the slices stop.
      const taken = slot.take()!;
      expect(taken).toBe(prepared);
      const filled = taken.takeFilled(reader.params.space, dim)!;
      expect(taken.copiedChunks).toBe(chunks);
      expect(slot.busy).toBe(false);
      // Its idle slices ended with it (before the comparison's own load adds its pickle's compaction).
      expect(idleSliceJobs()).toBe(0);
      expectSameAsTheFiles(filled, reader, join(dir, 'data'));

      // Left alone, the slices copy it all.
      const again = new BackgroundLoadSlot(reader.params.space, () => false, { sliceMs: 0 });
      const watched = watchStarts();
      again.offer(plan);
      await until(() => watched.prepared().length > 0 && watched.prepared()[0]!.settled, 'the copy, in idle slices');
      watched.restore();
      expect(again.take()!.takeFilled(reader.params.space, dim)).not.toBeNull();
    } finally {
      folder.close();
    }
  });

  it('lays its slots out in steps, giving the thread back, and gets the same copy however small the steps', async () => {
    const { folder, reader, plan, dim } = await planAfterFirstQuery();
    try {
      const count = plan.header.curElementCount;
      const steps = PreparedLoad.startSteps(reader.params.space, plan, { helper: false, elementsPerStep: 7 });
      let pauses = 0;
      let r = steps.next();
      for (; !r.done; r = steps.next()) pauses++;
      // Four passes (the slots' marks, the labels' marks, the slots in order, their labels), a step per 7 elements.
      expect(pauses).toBeGreaterThanOrEqual(4 * Math.floor(count / 7));
      const stepped = r.value!;
      expect(stepped).not.toBeNull();
      expectSameAsTheFiles(stepped.takeFilled(reader.params.space, dim)!, reader, join(dir, 'data'));
    } finally {
      folder.close();
    }
  });

  it('a background slot starts the load in slices after a first query, and a load that takes it mid-start finishes it at once', async () => {
    const { folder, reader, plan, dim } = await planAfterFirstQuery();
    try {
      const starts = watchStarts();
      // A step per element and a slice per step: the start takes thousands of turns.
      const slot = new BackgroundLoadSlot(reader.params.space, () => false, { start: { elementsPerStep: 1 }, sliceMs: 0 });
      slot.offer(plan);
      // The slot's turn: its start begins, to go on in slices.
      await new Promise((r) => setImmediate(r));
      expect(starts.calls()).toBe(1);
      expect(starts.started, 'still starting: its slices come on later turns').toEqual([]);
      expect(slot.busy).toBe(true);
      const taken = slot.take();
      expect(starts.started.length, 'finished by the take').toBe(1);
      starts.restore();
      expect(taken).not.toBeNull();
      expect(slot.busy).toBe(false);
      // Its idle slices ended with it.
      expect(idleSliceJobs()).toBe(0);
      expectSameAsTheFiles(taken!.takeFilled(reader.params.space, dim)!, reader, join(dir, 'data'));
      // Nothing of it goes on in slices after: the slot stays empty.
      await new Promise((r) => setTimeout(r, 50));
      expect(slot.busy).toBe(false);
      // Its idle slices ended with it.
      expect(idleSliceJobs()).toBe(0);
    } finally {
      folder.close();
    }
  });

  it('a background slot dropped mid-start goes no further: nothing is prepared, and the slot is empty', async () => {
    const { folder, reader, plan } = await planAfterFirstQuery();
    try {
      const starts = watchStarts();
      const released = vi.spyOn(PreparedLoad.prototype, 'release');
      const slot = new BackgroundLoadSlot(reader.params.space, () => false, { start: { elementsPerStep: 1 }, sliceMs: 0 });
      slot.offer(plan);
      await new Promise((r) => setImmediate(r));
      expect(starts.calls()).toBe(1);
      slot.drop();
      expect(slot.busy).toBe(false);
      // Its idle slices ended with it.
      expect(idleSliceJobs()).toBe(0);
      await new Promise((r) => setTimeout(r, 50));
      expect(starts.started, 'its steps were ended, not run on').toEqual([]);
      expect(slot.busy).toBe(false);
      // Its idle slices ended with it.
      expect(idleSliceJobs()).toBe(0);
      expect(slot.take()).toBeNull();
      expect(released).not.toHaveBeenCalled();
      starts.restore();
    } finally {
      folder.close();
    }
  });

  it('passes a cancellation on: a load joining the copy stops when its progress reporter throws', async () => {
    process.env[PREFAULT_ENV] = 'always';
    const { folder, reader, prepared, dim } = await firstQuery(join(dir, 'data'), 'articles');
    try {
      const alone = restarted(prepared!, reader.params.space, { helper: false });
      const cancelled = new Error('cancelled by the user');
      const steps: string[] = [];
      const cancel = (step: { message: string }) => {
        steps.push(step.message);
        throw cancelled;
      };
      expect(() => withLoadProgress(cancel, () => alone.takeFilled(reader.params.space, dim))).toThrow(cancelled);
      expect(steps[0]).toMatch(/^Loading the vectors of /);
      // Nothing was spoiled: asked again, the copy is there.
      expect(alone.takeFilled(reader.params.space, dim)).not.toBeNull();
    } finally {
      folder.close();
    }
  });

  /** A first query on a private copy of the fixture, and a way to move one of its segment files (a persist rewrites them; here one only gets a new time). */
  async function onACopy(fn: (q: Awaited<ReturnType<typeof firstQuery>>, moveAFile: () => void) => Promise<void>): Promise<void> {
    const tmp = mkdtempSync(join(tmpdir(), 'prepared-load-'));
    try {
      cpSync(join(dir, 'data'), join(tmp, 'data'), { recursive: true });
      const q = await firstQuery(join(tmp, 'data'), 'articles');
      const segmentDir = join(tmp, 'data', q.reader.catalog.vectorSegment!.id);
      const file = join(segmentDir, readdirSync(segmentDir).find((f) => f.endsWith('.bin'))!);
      try {
        await fn(q, () => utimesSync(file, new Date(), new Date(Date.now() + 5000)));
      } finally {
        q.folder.close();
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  it('is not taken once the files moved after the first query checked them', async () => {
    process.env[PREFAULT_ENV] = 'always';
    await onACopy(async ({ reader, prepared }, moveAFile) => {
      await until(() => prepared!.settled, 'the fill');
      const took = vi.spyOn(PreparedLoad.prototype, 'takeFilled');
      moveAFile();
      reader.vectors({ forQuery: true });
      expect(took.mock.results.map((r) => r.value)).toEqual([null]);
    });
  });

  it('is not taken when the files move while the load copies them', async () => {
    process.env[PREFAULT_ENV] = 'always';
    await onACopy(async ({ reader, prepared, dim }, moveAFile) => {
      const header = (prepared as unknown as { plan: { header: { sizeDataPerElement: number } } }).plan.header;
      const alone = restarted(prepared!, reader.params.space, { helper: false, chunkBytes: 3 * header.sizeDataPerElement });
      let moved = false;
      // The first chunk copied, a persist begins.
      const moveOnce = () => {
        if (!moved) moveAFile();
        moved = true;
      };
      expect(withLoadProgress(moveOnce, () => alone.takeFilled(reader.params.space, dim))).toBeNull();
      expect(moved).toBe(true);
      expect(alone.settled).toBe(true);
    });
  });

  it('is not made for a load too small for a helper thread', async () => {
    const { folder, prepared } = await firstQuery(join(dir, 'data'), 'articles');
    folder.close();
    expect(prepared).toBeNull();
  });
});
