import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { CollectionReader } from '../../src-main/engine/collection/collection-reader.js';
import { SqlColumnSource } from '../../src-main/engine/filter/sql-column-source.js';
import { RecordLabels } from '../../src-main/engine/collection/record-labels.js';
import { runSteps } from '../../src-main/engine/util/steps.js';
import { compareCase, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';
import { spyOnColumnBuilds } from '../helpers/column-builds.js';

/**
 * A filtered query builds caches the first times a key or the labels are asked for: a key's
 * metadata column (its second use) and the table of labels by internal id (the third filter),
 * seconds each at a million records. serve and the embedded client build them ahead of the query
 * in slices of their thread (CollectionReader.prepareFilterAhead). Built in pages, each must equal
 * the one-piece build; asked ahead, the query must build nothing itself and still give the answer
 * real Chroma recorded.
 */

afterEach(() => vi.restoreAllMocks());

const inSnapshotOf = (folder: ChromaFolder) => <T>(fn: () => T): T => folder.snapshot(fn);

/** Every metadata key of a collection's segment. */
function keysOf(folder: ChromaFolder, reader: CollectionReader): string[] {
  const seg = reader.catalog.metadataSegment!.id;
  return folder.db
    .prepare('SELECT DISTINCT m.key FROM embedding_metadata m JOIN embeddings e ON e.id = m.id WHERE e.segment_id = ?')
    .pluck()
    .all(seg) as string[];
}

const plainColumn = (c: ReturnType<SqlColumnSource['column']>) => ({
  ids: Array.from(c.ids),
  kinds: Array.from(c.kinds),
  nums: Array.from(c.nums),
  strs: Array.from({ length: c.ids.length }, (_, i) => c.strs[i] ?? null),
  exactInts: c.exactInts,
});

for (const fixture of ['chroma-1.3.4-seed7', 'workload-1.3.4-seed7']) {
  describe(`filter caches built ahead: ${fixture}`, () => {
    const dir = join(referenceFixture(fixture), 'data');
    const { cases } = JSON.parse(readFileSync(join(referenceFixture(fixture), 'cases.json'), 'utf8')) as { cases: RecordedCase[] };
    const filtered = cases.filter((c) => c.op === 'query' && c.error === undefined && ((c.args as { where?: unknown }).where || (c.args as { whereDocument?: unknown }).whereDocument));

    it('pages every key’s column and the labels table to what the one-piece builds give, whatever the page size', () => {
      const whole = ChromaFolder.open(dir);
      const paged = ChromaFolder.open(dir);
      let compared = 0;
      try {
        for (const c of whole.catalog.collections) {
          const a = whole.collection(c.id);
          const b = paged.collection(c.id);
          const sa = a.columnSource();
          const sb = b.columnSource();
          if (!sa || !sb) continue;
          for (const key of keysOf(whole, a)) {
            for (const rows of [1, 7, 10_000]) {
              const fresh = new SqlColumnSource(paged.db, paged.collection(c.id).ctx.filterContext, c.metadataSegment!.id);
              runSteps(fresh.columnSteps(key, inSnapshotOf(paged), () => true, rows));
              expect(plainColumn(fresh.column(key)), `${c.name}.${key} in pages of ${rows}`).toEqual(plainColumn(sa.column(key)));
              compared++;
            }
          }
          if (a.dimension === null || !a.catalog.vectorSegment) continue;
          const maxId = whole.db.prepare('SELECT max(id) FROM embeddings').pluck().get() as number;
          const want = a.recordLabels().whole();
          for (const rows of [1, 13, 10_000]) {
            const reader = ChromaFolder.open(dir);
            try {
              const r = reader.collection(c.id);
              // The lookups of a filter's matches, every third internal id (some of other collections), in steps of `rows`.
              const some = Array.from({ length: Math.ceil((maxId + 2) / 3) }, (_, i) => i * 3);
              const looked = runSteps(r.recordLabels().lookupSteps(some, inSnapshotOf(reader), () => true, rows))!;
              for (const iid of some) expect(looked.get(iid), `${c.name}: internal id ${iid} looked up in steps of ${rows}`).toBe(want.get(iid));
              runSteps(r.recordLabels().tableSteps(inSnapshotOf(reader), () => true, rows));
              expect(r.recordLabels().built, `${c.name}: the table built in pages of ${rows}`).toBe(true);
              const got = r.recordLabels().whole();
              for (let iid = 0; iid <= maxId + 1; iid++) expect(got.get(iid), `${c.name}: internal id ${iid}, pages of ${rows}`).toBe(want.get(iid));
            } finally {
              reader.close();
            }
          }
        }
      } finally {
        whole.close();
        paged.close();
      }
      expect(compared).toBeGreaterThan(10);
    });

    it('answers every recorded filtered query, asked three times, as Chroma recorded, building no cache in the query itself', async () => {
      const builtInQuery = spyOnColumnBuilds();
      const tables = vi.spyOn(RecordLabels.prototype as unknown as { emptyTable: () => unknown }, 'emptyTable');
      const columnsAhead = vi.spyOn(SqlColumnSource.prototype, 'columnSteps');
      // Label lookups of a filter's matches (RecordLabels.of), ahead or in the query.
      const lookups = vi.spyOn(RecordLabels.prototype, 'lookupSteps');
      const onePieceLeaves = vi.spyOn(SqlColumnSource.prototype as unknown as { runSqlLeaf: () => unknown }, 'runSqlLeaf');
      // The labels a filter allows, found ahead and taken by the query.
      const allowedTaken = vi.spyOn(CollectionReader.prototype, 'takeAllowedAhead');
      let lookedUpAhead = 0;
      const mismatches: string[] = [];
      const folder = ChromaFolder.open(dir);
      let tablesAhead = 0;
      try {
        for (let round = 1; round <= 3; round++) {
          for (const c of filtered) {
            const ref = splitCollection(c.collection);
            const before = tables.mock.calls.length;
            const lookedBefore = lookups.mock.calls.length;
            await folder.prepareQuery(ref, c.args, {}, { sliceMs: 0 });
            tablesAhead += tables.mock.calls.length - before;
            lookedUpAhead += lookups.mock.calls.length - lookedBefore;
            const during = tables.mock.calls.length;
            const lookedDuring = lookups.mock.calls.length;
            const leavesDuring = onePieceLeaves.mock.calls.length;
            const bad = compareCase(c, folder.query(ref, c.args));
            expect(onePieceLeaves.mock.calls.length, `${c.label}: a SQL leaf read in one piece in the query`).toBe(leavesDuring);
            if (bad) mismatches.push(`${c.collection} | ${c.label} (round ${round}): ${bad}`);
            expect(tables.mock.calls.length, `${c.label}: a labels table built in the query`).toBe(during);
            expect(lookups.mock.calls.length, `${c.label}: labels looked up in the query`).toBe(lookedDuring);
          }
        }
      } finally {
        folder.close();
      }
      expect(mismatches).toEqual([]);
      expect(builtInQuery).toEqual([]);
      // The caches were needed, and built ahead.
      expect(columnsAhead.mock.calls.length).toBeGreaterThan(0);
      expect(tablesAhead).toBeGreaterThan(0);
      expect(lookedUpAhead).toBeGreaterThan(0);
      expect(allowedTaken.mock.results.filter((r) => r.value !== null).length).toBeGreaterThan(filtered.length);
    });
  });
}

describe('filter caches built ahead of a get', () => {
  it('answers every recorded filtered get, asked three times, as Chroma recorded, building no column in the get itself', async () => {
    const builtInGet = spyOnColumnBuilds();
    const ahead = vi.spyOn(SqlColumnSource.prototype, 'columnSteps');
    // A leaf SQLite answers in one piece, and one read in pages ahead.
    const onePieceLeaves = vi.spyOn(SqlColumnSource.prototype as unknown as { runSqlLeaf: () => unknown }, 'runSqlLeaf');
    const pagedLeaves = vi.spyOn(SqlColumnSource.prototype as unknown as { pagedLeafSteps: () => unknown }, 'pagedLeafSteps');
    const leavesInGet: string[] = [];
    const mismatches: string[] = [];
    let asked = 0;
    for (const fixture of ['chroma-1.3.4-seed7', 'workload-1.3.4-seed7']) {
      const { cases } = JSON.parse(readFileSync(join(referenceFixture(fixture), 'cases.json'), 'utf8')) as { cases: RecordedCase[] };
      const gets = cases.filter((c) => c.op === 'get' && c.error === undefined && !(c.args as { ids?: unknown }).ids && ((c.args as { where?: unknown }).where || (c.args as { whereDocument?: unknown }).whereDocument));
      const folder = ChromaFolder.open(join(referenceFixture(fixture), 'data'));
      try {
        for (let round = 1; round <= 3; round++) {
          for (const c of gets) {
            const ref = splitCollection(c.collection);
            await folder.prepareGet(ref, c.args, { sliceMs: 0 });
            const before = onePieceLeaves.mock.calls.length;
            const bad = compareCase(c, folder.get(ref, c.args));
            if (onePieceLeaves.mock.calls.length > before) leavesInGet.push(`${fixture} ${c.collection} | ${c.label} (round ${round})`);
            if (bad) mismatches.push(`${fixture} ${c.collection} | ${c.label} (round ${round}): ${bad}`);
            asked++;
          }
        }
      } finally {
        folder.close();
      }
    }
    expect(asked).toBeGreaterThan(20);
    expect(mismatches).toEqual([]);
    expect(builtInGet).toEqual([]);
    expect(ahead.mock.calls.length).toBeGreaterThan(0);
    expect(leavesInGet).toEqual([]);
    expect(pagedLeaves.mock.calls.length).toBeGreaterThan(0);
  });
});

describe('filter caches built ahead, when the data changes meanwhile', () => {
  it('stop, keeping nothing, once the folder rebuilt its readers or closed', async () => {
    const dir = join(referenceFixture('chroma-1.3.4-seed7'), 'data');
    // Pages of two rows: the build pauses many times, and the change lands in the middle of it.
    const columnSteps = SqlColumnSource.prototype.columnSteps;
    const pages = vi.spyOn(SqlColumnSource.prototype, 'columnSteps').mockImplementation(function (this: SqlColumnSource, key, inSnapshot, current) {
      return columnSteps.call(this, key, inSnapshot, current, 2);
    });
    const turns = async (n: number) => {
      for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
    };
    for (const end of ['refresh', 'close'] as const) {
      const folder = ChromaFolder.open(dir);
      try {
        const reader = folder.collection({ name: 'articles' });
        const args = { queryEmbeddings: [Array.from({ length: reader.dimension! }, (_, i) => Math.cos(i))], nResults: 3, where: { category: 'news' } };
        // The key's first use goes through SQLite; its second would build the column.
        await folder.prepareQuery({ name: 'articles' }, args, {}, { sliceMs: 0 });
        folder.query({ name: 'articles' }, args);
        const source = reader.columnSource()!;
        expect(source.columnWouldBuild('category')).toBe(true);
        const building = pages.mock.calls.length;
        // Another filter on the key (the same one again would take its allowed labels, kept from the first).
        const preparing = folder.prepareQuery({ name: 'articles' }, { ...args, where: { category: { $ne: 'news' } } }, {}, { sliceMs: 0 });
        await turns(4);
        // The column's build is under way (and far from done, two rows a page).
        expect(pages.mock.calls.length).toBe(building + 1);
        if (end === 'refresh') folder.refresh();
        else folder.close();
        await preparing;
        expect(source.columnWouldBuild('category')).toBe(true);
        if (end === 'refresh') {
          expect(folder.collection({ name: 'articles' })).not.toBe(reader);
          // The new reader starts from nothing: the key's first use again.
          expect(folder.collection({ name: 'articles' }).columnSource()!.columnWouldBuild('category')).toBe(false);
        }
      } finally {
        folder.close();
      }
    }
  });
});
