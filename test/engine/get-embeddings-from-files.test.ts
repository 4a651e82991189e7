import { cpSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { UnloadedVectors } from '../../src-main/engine/collection/unloaded-vectors.js';
import { CollectionReader } from '../../src-main/engine/collection/collection-reader.js';
import { EMBEDDINGS_FROM_FILES_UP_TO } from '../../src-main/engine/query/get-result.js';
import { compareCase, isPlainQuery, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';
import { hashTree } from '../helpers/hash-tree.js';

/**
 * A get that returns a few records' embeddings (up to EMBEDDINGS_FROM_FILES_UP_TO), prepared as
 * the embedded client and serve prepare it, reads them from the checkpoint's files, checked as
 * for a first query, instead of loading every vector (7.6 s and 2.4 GB at five million). The
 * answers must be the ones real Chroma recorded, and the vectors the load gives.
 */

afterEach(() => vi.restoreAllMocks());

const FIXTURES = ['chroma-1.3.4-seed7', 'chroma-1.0.1-seed7', 'workload-1.3.4-seed7'];
const casesOf = (fixture: string) => (JSON.parse(readFileSync(join(referenceFixture(fixture), 'cases.json'), 'utf8')) as { cases: RecordedCase[] }).cases;
const slice = { sliceMs: 0 };

function collections(folder: ChromaFolder) {
  return folder
    .info()
    .tenants.flatMap((t) => t.databases.flatMap((d) => d.collections))
    .filter((c) => folder.collection(c.id).dimension !== null && folder.collection(c.id).count() > 0);
}

/**
 * `fn` on a copy of chroma-1.3.4-seed7 (whose files the test may touch) and on the fixture itself,
 * read with the vectors loaded; both closed, and the copy removed, after.
 */
async function onCopy(fn: (copy: ChromaFolder, loaded: ChromaFolder, root: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'get-embeddings-files-'));
  try {
    cpSync(join(referenceFixture('chroma-1.3.4-seed7'), 'data'), root, { recursive: true });
    const copy = ChromaFolder.open(root);
    const loaded = ChromaFolder.open(join(referenceFixture('chroma-1.3.4-seed7'), 'data'));
    try {
      await fn(copy, loaded, root);
    } finally {
      copy.close();
      loaded.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Moves the stamp of a collection's checkpoint files (a writer persisting it again, same bytes here). */
function touchLevel0(root: string, folder: ChromaFolder, ref: { name: string }): void {
  const later = new Date(Date.now() + 5_000);
  utimesSync(join(root, folder.collection(ref).catalog.vectorSegment!.id, 'data_level0.bin'), later, later);
}

describe('gets of a few embeddings from the checkpoint’s files', () => {
  it('give every recorded get of embeddings, asked first and again, as Chroma recorded, with no vector load where the files answer', async () => {
    const mismatches: string[] = [];
    const fromFiles: string[] = [];
    for (const fixture of FIXTURES) {
      const dir = join(referenceFixture(fixture), 'data');
      const before = hashTree(dir);
      for (const c of casesOf(fixture).filter((c) => c.op === 'get' && ((c.args as { include?: string[] }).include ?? []).includes('embeddings'))) {
        const folder = ChromaFolder.open(dir);
        try {
          const ref = splitCollection(c.collection);
          for (const round of [1, 2]) {
            await folder.prepareGet(ref, c.args, slice);
            let got: unknown;
            try {
              got = folder.get(ref, c.args);
            } catch (err) {
              got = err;
            }
            const bad = compareCase(c, got);
            if (bad) mismatches.push(`${fixture} ${c.collection} | ${c.label} (round ${round}): ${bad}`);
          }
          if (!folder.collection(ref).vectorsLoaded) fromFiles.push(`${fixture} ${c.collection}`);
        } finally {
          folder.close();
        }
      }
      expect(hashTree(dir)).toEqual(before);
    }
    expect(mismatches).toEqual([]);
    // Collections with a WAL tail past the checkpoint load their vectors; `articles` has none, in both versions.
    expect(fromFiles.filter((c) => c.endsWith(' articles')).length).toBeGreaterThanOrEqual(2);
  });

  // The workload fixture's collections all have a WAL tail: there the vectors are loaded.
  for (const fixture of FIXTURES) {
    it(`${fixture}: pages with embeddings at the start, middle and end equal the loaded vectors’, and a larger page loads them`, async () => {
      const dir = join(referenceFixture(fixture), 'data');
      const files = ChromaFolder.open(dir);
      const loaded = ChromaFolder.open(dir);
      const fileGets = vi.spyOn(UnloadedVectors.prototype, 'original');
      let answered = 0;
      try {
        for (const c of collections(files)) {
          const total = files.collection(c.id).count();
          for (const offset of [0, Math.floor(total / 2), Math.max(0, total - 40)]) {
            const args = { offset, limit: 40, include: ['embeddings', 'documents', 'metadatas'] };
            await files.prepareGet(c.id, args, slice);
            const before = fileGets.mock.calls.length;
            const got = files.get(c.id, args);
            if (fileGets.mock.calls.length > before) answered++;
            expect(got, `${c.name} @${offset}`).toEqual(loaded.get(c.id, args));
          }
          const reader = files.collection(c.id);
          if (reader.vectorsLoaded) continue;
          // More records than the files are read for: the vectors are loaded, ahead of the get.
          const large = { limit: EMBEDDINGS_FROM_FILES_UP_TO + 1, include: ['embeddings'] };
          await files.prepareGet(c.id, large, slice);
          expect(reader.vectorsLoaded, c.name).toBe(true);
          expect(files.get(c.id, large)).toEqual(loaded.get(c.id, large));
        }
      } finally {
        files.close();
        loaded.close();
      }
      if (fixture.startsWith('workload')) expect(answered).toBe(0);
      else expect(answered).toBe(3);
    });
  }

  it('keep none of the rows they read, page after page through a whole collection', async () => {
    const folder = ChromaFolder.open(join(referenceFixture('chroma-1.3.4-seed7'), 'data'));
    try {
      const reader = folder.collection({ name: 'articles' });
      const total = reader.count();
      let read = 0;
      for (let offset = 0; offset < total; offset += 100) {
        const page = { offset, limit: 100, include: ['embeddings'] };
        await folder.prepareGet({ name: 'articles' }, page, slice);
        read += folder.get({ name: 'articles' }, page).embeddings!.length;
      }
      expect(read).toBe(total);
      expect(reader.vectorsLoaded).toBe(false);
      // FileGraph keeps rows for the length of a search; these were read outside any.
      const graph = (reader.filesForGets() as unknown as { graph: { rows: Map<number, unknown> } }).graph;
      expect(graph.rows.size).toBe(0);
    } finally {
      folder.close();
    }
  });

  it('leave the first query its own answer from the files', async () => {
    const fixture = 'chroma-1.3.4-seed7';
    const dir = join(referenceFixture(fixture), 'data');
    const search = vi.spyOn(UnloadedVectors.prototype, 'search');
    let checked = 0;
    for (const c of casesOf(fixture).filter((c) => c.op === 'query' && c.error === undefined && isPlainQuery(c))) {
      const folder = ChromaFolder.open(dir);
      try {
        const ref = splitCollection(c.collection);
        const page = { limit: 5, include: ['embeddings'] };
        await folder.prepareGet(ref, page, slice);
        folder.get(ref, page);
        if (folder.collection(ref).vectorsLoaded) continue;
        const searched = search.mock.calls.length;
        await folder.prepareQuery(ref, c.args, {}, slice);
        expect(compareCase(c, folder.query(ref, c.args)), c.label).toBeNull();
        expect(search.mock.calls.length, c.label).toBeGreaterThan(searched);
        checked++;
      } finally {
        folder.close();
      }
    }
    expect(checked).toBeGreaterThan(2);
  });

  it('read from the first query’s files when a prepared query took the checks at the same time', async () => {
    const dir = join(referenceFixture('chroma-1.3.4-seed7'), 'data');
    const folder = ChromaFolder.open(dir);
    const loaded = ChromaFolder.open(dir);
    try {
      const ref = { name: 'articles' };
      const reader = folder.collection(ref);
      const query = { queryEmbeddings: [Array.from({ length: reader.dimension! }, (_, i) => Math.sin(i))], nResults: 4 };
      const page = { offset: 30, limit: 10, include: ['embeddings'] };
      await Promise.all([folder.prepareQuery(ref, query, {}, slice), folder.prepareGet(ref, page, slice)]);
      expect(reader.vectorsLoaded).toBe(false);
      expect(folder.get(ref, page)).toEqual(loaded.get(ref, page));
      expect(folder.query(ref, query)).toEqual(loaded.query(ref, query));
      expect(reader.vectorsLoaded).toBe(false);
    } finally {
      folder.close();
      loaded.close();
    }
  });

  it('leave a collection with a WAL tail past its checkpoint to the load, without checking its files first', async () => {
    const folder = ChromaFolder.open(join(referenceFixture('chroma-1.3.4-seed7'), 'data'));
    try {
      const checks = vi.spyOn(CollectionReader.prototype, 'checkFirstQueryFiles');
      // Telling is one seek: not the checkpoint's summary, which decodes the pickle in one piece.
      const summaries = vi.spyOn(CollectionReader.prototype, 'checkpointSummary');
      expect(folder.collection({ name: 'inner' }).hasVectorTail()).toBe(true);
      expect(summaries).not.toHaveBeenCalled();
      // `inner`: a checkpoint with WAL records past it.
      const page = { limit: 5, include: ['embeddings'] };
      await folder.prepareGet({ name: 'inner' }, page, slice);
      expect(folder.collection({ name: 'inner' }).vectorsLoaded).toBe(true);
      expect(checks).not.toHaveBeenCalled();
      expect(folder.collection({ name: 'articles' }).hasVectorTail()).toBe(false);
    } finally {
      folder.close();
    }
  });

  it('load the vectors instead once the files moved after their checks, and still answer as the load does', () =>
    onCopy(async (folder, loaded, root) => {
      const ref = { name: 'articles' };
      const reader = folder.collection(ref);
      const page = { offset: 100, limit: 10, include: ['embeddings'] };
      await folder.prepareGet(ref, page, slice);
      expect(reader.filesForGets()).not.toBeNull();
      touchLevel0(root, folder, ref);
      expect(reader.filesForGets()).toBeNull();
      expect(folder.get(ref, page)).toEqual(loaded.get(ref, page));
      expect(reader.vectorsLoaded).toBe(true);
    }));

  it('do not check the files again in one piece when they moved between the checks and the get', () =>
    onCopy(async (folder, loaded, root) => {
      const ref = { name: 'articles' };
      const reader = folder.collection(ref);
      // The checks done ahead (as a first query's prepare does), then the files move.
      await reader.checkFirstQueryFiles(slice, (fn) => folder.snapshot(fn));
      touchLevel0(root, folder, ref);
      const onePiece = vi.spyOn(UnloadedVectors, 'checkFiles');
      const page = { offset: 7, limit: 10, include: ['embeddings'] };
      await folder.prepareGet(ref, page, slice);
      expect(onePiece).not.toHaveBeenCalled();
      expect(reader.vectorsLoaded).toBe(true);
      expect(folder.get(ref, page)).toEqual(loaded.get(ref, page));
    }));

  it('are let go with the vectors’ memory (release)', async () => {
    const folder = ChromaFolder.open(join(referenceFixture('chroma-1.3.4-seed7'), 'data'));
    try {
      const reader = folder.collection({ name: 'articles' });
      const page = { limit: 3, include: ['embeddings'] };
      await folder.prepareGet({ name: 'articles' }, page, slice);
      expect(reader.filesForGets()).not.toBeNull();
      reader.release();
      expect(reader.filesForGets()).toBeNull();
    } finally {
      folder.close();
    }
  });
});
