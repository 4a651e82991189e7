import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { CheckpointPreview } from '../../src-main/engine/collection/vector-preview.js';
import { VectorState } from '../../src-main/engine/collection/vector-state.js';
import { readRecordsWindow, readRecordsWindowWithoutLoad } from '../../src-main/engine/inspect/records-window.js';
import { EngineService } from '../../src-main/service/engine-service.js';
import { shortestFloat32Array } from '../../src-main/engine/util/float32-text.js';
import { hashTree } from '../helpers/hash-tree.js';
import { referenceFixture } from '../helpers/paths.js';

// The grid's embedding preview read from the checkpoint files (no full vector load) against the
// full load's vectors (the path the recorded-answer suites check against real Chroma), on folders
// real Chroma wrote: labels there are shuffled within each parallel batch, and several collections
// have a WAL tail that changed records after the checkpoint.
const FIXTURES = ['chroma-1.3.4-seed7', 'chroma-1.0.1-seed7', 'workload-1.3.4-seed7'];
const N = 4;
const open: ChromaFolder[] = [];
afterAll(() => open.forEach((f) => f.close()));

function collections(folder: ChromaFolder) {
  return folder
    .info()
    .tenants.flatMap((t) => t.databases.flatMap((d) => d.collections))
    .filter((c) => folder.collection(c.id).dimension !== null && folder.collection(c.id).count() > 0);
}

describe.each(FIXTURES)('embedding previews from the checkpoint files: %s', (name) => {
  const dir = join(referenceFixture(name), 'data');
  const before = hashTree(dir);
  const fast = ChromaFolder.open(dir);
  const full = ChromaFolder.open(dir);
  open.push(fast, full);
  const expected = (collectionId: string, ids: string[]) => {
    const got = full.get(collectionId, { ids, include: ['embeddings'] });
    return new Map(got.ids.map((id, i) => [id, Float32Array.from(got.embeddings![i]!.slice(0, N))]));
  };

  it('equal the full load for pages at the start, middle and end, found near label − 1 or in the label table', () => {
    let fromFiles = 0;
    for (const c of collections(fast)) {
      const reader = fast.collection(c.id);
      const total = reader.count();
      for (const window of [undefined, 0, 3]) {
        const preview = CheckpointPreview.open(reader, window === undefined ? {} : { window });
        for (const offset of [0, Math.floor(total / 2), Math.max(0, total - 40)]) {
          const page = fast.get(c.id, { offset, limit: 40, include: [] }).ids;
          const got = preview?.previews(page, N) ?? null;
          if (!got) continue; // a WAL-touched record or a checkpoint with problems: the full load answers
          fromFiles++;
          const want = expected(c.id, page);
          for (const id of page) expect([id, got.get(id)], `${c.name} @${offset} window ${window}`).toEqual([id, want.get(id)]);
        }
      }
      expect(reader.vectorsLoaded, c.name).toBe(false);
    }
    expect(fromFiles).toBeGreaterThan(6);
  });

  it('fill the records grid without loading the vectors, unless a record on the page changed after the checkpoint', () => {
    const grid = ChromaFolder.open(dir);
    open.push(grid);
    let withoutLoad = 0;
    for (const c of collections(grid)) {
      const reader = grid.collection(c.id);
      const w = readRecordsWindow(grid, { collectionId: c.id, offset: 0, limit: 25, withEmbeddingPreview: true });
      const want = expected(c.id, w.rows.map((r) => r.id));
      for (const r of w.rows) expect([r.id, r.embedding]).toEqual([r.id, shortestFloat32Array(want.get(r.id)!)]);
      if (!reader.vectorsLoaded) withoutLoad++;
      const preview = CheckpointPreview.open(reader);
      // Loaded only where the files could not answer.
      if (reader.vectorsLoaded) expect(preview === null || preview.previews(w.rows.map((r) => r.id), N) === null).toBe(true);
    }
    expect(withoutLoad).toBeGreaterThan(0);
  });

  it('through serve, a page or a record the WAL tail changed loads the vectors ahead in slices, never in one piece in the call', async () => {
    const service = new EngineService();
    const h = service.handlers();
    const ctx = { signal: new AbortController().signal, progress: () => {} };
    const onePiece = vi.spyOn(VectorState, 'load');
    const sliced = vi.spyOn(VectorState, 'loadSliced');
    let tailPages = 0;
    try {
      const { handle } = await h.openFolder({ path: dir }, ctx);
      for (const c of collections(fast)) {
        // A fresh page per collection on its own folder: does it need the vectors loaded?
        const probe = ChromaFolder.open(dir);
        open.push(probe);
        const needsLoad = readRecordsWindowWithoutLoad(probe, { collectionId: c.id, offset: 0, limit: 25, withEmbeddingPreview: true }) === null;
        expect(probe.collection(c.id).vectorsLoaded).toBe(false);
        const slicedBefore = sliced.mock.calls.length;
        const w = await h.records({ handle, collectionId: c.id, offset: 0, limit: 25 }, ctx);
        const want = expected(c.id, w.rows.map((r) => r.id));
        for (const r of w.rows) expect([r.id, r.embedding]).toEqual([r.id, shortestFloat32Array(want.get(r.id)!)]);
        if (!needsLoad) continue;
        tailPages++;
        expect(sliced.mock.calls.length - slicedBefore, `${c.name}: loaded ahead in slices`).toBeGreaterThan(0);
        // Every record's vector, from the loaded collection now, as the full load gives it.
        for (const r of w.rows) {
          const detail = await h.recordDetail({ handle, collectionId: c.id, id: r.id }, ctx);
          const vector = full.get(c.id, { ids: [r.id], include: ['embeddings'] }).embeddings?.[0] ?? null;
          expect(detail.embedding, r.id).toEqual(vector === null ? null : shortestFloat32Array(Float32Array.from(vector)));
        }
      }
      expect(tailPages).toBeGreaterThan(0);
      expect(onePiece).not.toHaveBeenCalled();

      // A record the WAL tail changed, asked for first on a fresh handle: loaded ahead in slices too.
      let details = 0;
      for (const c of collections(fast)) {
        const probe = ChromaFolder.open(dir);
        open.push(probe);
        const tail = probe.db.prepare('SELECT DISTINCT id FROM embeddings_queue WHERE topic = ? AND seq_id > ? AND vector IS NOT NULL').pluck().all(probe.collection(c.id).catalog.topic, probe.collection(c.id).vectorSeq()) as string[];
        const live = tail.find((id) => probe.get(c.id, { ids: [id] }).ids.length === 1);
        if (!live) continue;
        // A service of its own: one folder per path, and this one has loaded nothing yet.
        const other = new EngineService();
        try {
          const o = other.handlers();
          const { handle: fresh } = await o.openFolder({ path: dir }, ctx);
          const slicedBefore = sliced.mock.calls.length;
          const detail = await o.recordDetail({ handle: fresh, collectionId: c.id, id: live }, ctx);
          expect(sliced.mock.calls.length - slicedBefore, `${c.name}: ${live} loaded ahead in slices`).toBeGreaterThan(0);
          const vector = full.get(c.id, { ids: [live], include: ['embeddings'] }).embeddings![0]!;
          expect(detail.embedding).toEqual(shortestFloat32Array(Float32Array.from(vector)));
          details++;
        } finally {
          other.closeAll();
        }
      }
      expect(details).toBeGreaterThan(0);
      expect(onePiece).not.toHaveBeenCalled();
    } finally {
      service.closeAll();
      vi.restoreAllMocks();
    }
  });

  it('write nothing to the folder', () => {
    expect(hashTree(dir)).toEqual(before);
  });
});
