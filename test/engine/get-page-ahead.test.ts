import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { KeptGetPage } from '../../src-main/engine/collection/kept-get-page.js';
import { getPageSteps } from '../../src-main/engine/query/run-get.js';
import { validateGetArgs } from '../../src-main/engine/query/validate-args.js';
import { getResult } from '../../src-main/engine/query/get-result.js';
import { EngineService } from '../../src-main/service/engine-service.js';
import { createInProcessClient } from '../../src-main/service/in-process-client.js';
import { compareCase, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';

// A get's page read ahead of it in slices (run-get.ts getPageSteps, calls-ahead.ts getAhead) and
// taken by the get (collection/kept-get-page.ts): the answers stay the ones real Chroma recorded,
// and the page is read in steps, each in a read snapshot of its own, that stop once the data
// changed.

afterEach(() => {
  vi.restoreAllMocks();
});

const recordedGets = (fixture: string) => {
  const dir = referenceFixture(fixture);
  const { cases } = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: RecordedCase[] };
  return { dir, gets: cases.filter((c) => c.op === 'get' && c.error === undefined) };
};

describe("a get's page read ahead", () => {
  for (const fixture of ['chroma-1.3.4-seed7', 'workload-1.3.4-seed7']) {
    it(`is taken by the get, which answers as Chroma recorded: ${fixture}`, async () => {
      const { dir, gets } = recordedGets(fixture);
      const taken = vi.spyOn(KeptGetPage.prototype, 'take');
      const mismatches: string[] = [];
      let pages = 0;
      const folder = ChromaFolder.open(join(dir, 'data'));
      try {
        for (const c of gets) {
          const ref = splitCollection(c.collection);
          await folder.prepareGet(ref, c.args, { sliceMs: 0 });
          taken.mockClear();
          const bad = compareCase(c, folder.get(ref, c.args));
          if (bad) mismatches.push(`${c.collection} | ${c.label}: ${bad}`);
          const args = c.args as { ids?: unknown; where?: unknown; whereDocument?: unknown; limit?: unknown };
          const took = taken.mock.results.some((r) => r.value !== null);
          if (took) pages++;
          // Only a get by ids, a page of one `$contains` (no where, a limit) and a small page (a limit up to 1,000) read their page themselves.
          else expect(args.ids !== undefined || (typeof args.limit === 'number' && args.limit <= 1000), `${c.label}: read itself`).toBe(true);
          // …and a small page always does.
          if (typeof args.limit === 'number' && args.limit <= 1000) expect(took, `${c.label}: a small page read ahead`).toBe(false);
        }
      } finally {
        folder.close();
      }
      expect(mismatches).toEqual([]);
      expect(pages).toBeGreaterThan(gets.length / 2);
    });
  }

  it("reads the page in steps, each in a snapshot of its own, and gives the get's own page", () => {
    const { dir } = recordedGets('chroma-1.3.4-seed7');
    const folder = ChromaFolder.open(join(dir, 'data'));
    try {
      const reader = folder.collection({ name: 'articles' });
      let snapshots = 0;
      const inSnapshot = <T>(fn: () => T): T => {
        snapshots++;
        return folder.snapshot(fn);
      };
      for (const args of [{ where: { category: { $ne: 'news' } } }, { where: { year: { $gt: 2010 } }, offset: 40, limit: 300, include: ['documents'] }, { offset: 3, include: [] }]) {
        const spec = validateGetArgs(args);
        const withContents = spec.include.length > 0;
        snapshots = 0;
        const steps = getPageSteps(reader, spec, withContents, inSnapshot, 7);
        let paused = 0;
        let r = steps.next();
        for (; !r.done; r = steps.next()) paused++;
        const own = getResult(reader, spec);
        const records = r.value!;
        expect(records.map((x) => x.id)).toEqual(own.ids);
        if (withContents) expect(records.map((x) => x.document)).toEqual(own.documents);
        expect(paused).toBe(Math.ceil(records.length / 7) - 1);
        expect(snapshots).toBe(paused + 2);
      }
    } finally {
      folder.close();
    }
  });

  it('converts its records’ metadata and embeddings ahead, and the get returns those very values', async () => {
    const { dir } = recordedGets('chroma-1.3.4-seed7');
    const folder = ChromaFolder.open(join(dir, 'data'));
    const kept = vi.spyOn(KeptGetPage.prototype, 'keep');
    try {
      const ref = { name: 'articles' };
      const args = { where: { category: { $ne: 'news' } }, include: ['embeddings', 'metadatas'] };
      await folder.prepareGet(ref, args, { sliceMs: 0 });
      expect(kept).toHaveBeenCalledTimes(1);
      const records = kept.mock.calls[0]![2];
      const got = folder.get(ref, args);
      expect(got.ids).toEqual(records.map((r) => r.id));
      expect(records.length).toBeGreaterThan(1);
      // The same arrays and objects the page carried: the call converted none of them again.
      records.forEach((r, i) => {
        expect(got.embeddings[i]).toBe(r.shownEmbedding);
        expect(got.metadatas[i]).toBe(r.shown);
      });
      // …and they are what the call converts itself, on a folder with no page read ahead.
      const own = ChromaFolder.open(join(dir, 'data'));
      try {
        const direct = own.get(ref, args);
        expect(got.embeddings).toEqual(direct.embeddings);
        expect(got.metadatas).toEqual(direct.metadatas);
      } finally {
        own.close();
      }
    } finally {
      folder.close();
    }
  });

  it("is read for serve's get, not for its records grid, which reads its own windows", async () => {
    const { dir } = recordedGets('chroma-1.3.4-seed7');
    const service = new EngineService({ defaultFolder: join(dir, 'data') });
    const client = createInProcessClient(service);
    const kept = vi.spyOn(KeptGetPage.prototype, 'keep');
    try {
      const opened = await client.call('openFolder', { path: join(dir, 'data') });
      const collectionId = opened.info.tenants.flatMap((t) => t.databases.flatMap((d) => d.collections)).find((c) => c.name === 'articles')!.id;
      const where = { category: 'news' };
      const grid = await client.call('records', { handle: opened.handle, collectionId, where, offset: 0, limit: 50 });
      expect(grid.rows.length).toBe(50);
      expect(kept, 'the grid kept no page').not.toHaveBeenCalled();
      const got = await client.call('get', { handle: opened.handle, collectionId, args: { where } });
      expect(kept).toHaveBeenCalledTimes(1);
      expect(kept.mock.calls[0]![2].map((r) => r.id)).toEqual(got.ids);
    } finally {
      client.close();
      service.closeAll();
    }
  });

  it('is not taken after a commit between the work ahead and the get, and stops at a commit between its steps', async () => {
    const { dir, gets } = recordedGets('chroma-1.3.4-seed7');
    const recorded = gets.find((c) => c.collection === 'articles' && c.label === 'get where {"category":"news"}')!;
    const tmp = mkdtempSync(join(tmpdir(), 'get-page-ahead-'));
    cpSync(join(dir, 'data'), join(tmp, 'data'), { recursive: true });
    const folder = ChromaFolder.open(join(tmp, 'data'));
    const writer = new Database(join(tmp, 'data', 'chroma.sqlite3'));
    const taken = vi.spyOn(KeptGetPage.prototype, 'take');
    try {
      const ref = { name: 'articles' };
      const newsIds = (recorded.result as { ids: string[] }).ids;
      // Another process takes one record out of the news between the work ahead and the get.
      const unNews = (id: string) =>
        writer
          .prepare("UPDATE embedding_metadata SET string_value = 'blog' WHERE key = 'category' AND id = (SELECT e.id FROM embeddings e JOIN segments s ON s.id = e.segment_id WHERE e.embedding_id = ? AND s.scope = 'METADATA')")
          .run(id);
      await folder.prepareGet(ref, recorded.args, { sliceMs: 0 });
      expect(unNews(newsIds[0]!).changes).toBe(1);
      const got = folder.get(ref, recorded.args);
      expect(got.ids).toEqual(newsIds.slice(1));
      expect(taken.mock.results.every((r) => r.value === null), 'the page read before the commit was not taken').toBe(true);

      // A commit between two steps: the next step's snapshot retires the reader, and the steps end with nothing.
      const reader = folder.collection(ref);
      const steps = getPageSteps(reader, validateGetArgs(recorded.args), true, (fn) => folder.snapshot(fn), 50);
      expect(steps.next().done).toBe(false);
      expect(unNews(newsIds[1]!).changes).toBe(1);
      expect(steps.next()).toEqual({ done: true, value: null });
      expect(folder.get(ref, recorded.args).ids).toEqual(newsIds.slice(2));
    } finally {
      writer.close();
      folder.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('stops with nothing once the data changed between its steps (its reader retired)', () => {
    const { dir } = recordedGets('chroma-1.3.4-seed7');
    const folder = ChromaFolder.open(join(dir, 'data'));
    try {
      const reader = folder.collection({ name: 'articles' });
      const steps = getPageSteps(reader, validateGetArgs({}), true, (fn) => folder.snapshot(fn), 10);
      expect(steps.next().done).toBe(false);
      expect(steps.next().done).toBe(false);
      reader.retire();
      expect(steps.next()).toEqual({ done: true, value: null });
    } finally {
      folder.close();
    }
  });
});
