import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { PersistentClient } from '../../src-main/client/persistent-client.js';
import { countTuning } from '../../src-main/engine/collection/segment-records.js';
import * as segmentRecords from '../../src-main/engine/collection/segment-records.js';
import { offThreadReadStats } from '../../src-main/engine/sqlite/off-thread-read.js';
import { compareCase, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';
import { turnCounter } from '../helpers/event-loop.js';

/**
 * A collection's record count (a b-tree count: ~40 ms of the engine's thread at a million records
 * in the page cache, a second read from disk) is taken ahead of the calls that need it — a first
 * query's coverage proof, a filter's universe — for callers whose thread serves others. When the
 * embeddings table holds that collection alone and is large, the off-thread reader counts it
 * beside the other work. Lowered here to every table, on a copy of a folder real Chroma wrote
 * with its other collections deleted: the answers must stay the ones Chroma recorded, and the
 * count SQL's.
 */

const FIXTURE = 'chroma-1.3.4-seed7';
const KEPT = 'articles';
let work: string;
let data: string;
const tuned = { ...countTuning };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'chroma-inspector-count-ahead-'));
  data = join(work, 'data');
  cpSync(join(referenceFixture(FIXTURE), 'data'), data, { recursive: true });
  // Its collections live in two databases.
  for (const where of [{}, { tenant: 'acme', database: 'prod' }]) {
    const client = new PersistentClient({ path: data, ...where });
    for (const c of await client.listCollections()) if (c.name !== KEPT) await client.deleteCollection({ name: c.name });
    await client.close();
  }
  countTuning.offThreadFromIds = 1;
});

afterAll(() => {
  Object.assign(countTuning, tuned);
  rmSync(work, { recursive: true, force: true });
});

const { cases } = JSON.parse(readFileSync(join(referenceFixture(FIXTURE), 'cases.json'), 'utf8')) as { cases: RecordedCase[] };
const queries = cases.filter((c) => c.op === 'query' && c.error === undefined && splitCollection(c.collection).name === KEPT);
const isPlain = (c: RecordedCase) => {
  const args = c.args as { ids?: unknown; where?: unknown; whereDocument?: unknown };
  return !args.ids && !args.where && !args.whereDocument;
};
const isFiltered = (c: RecordedCase) => {
  const args = c.args as { ids?: unknown; where?: unknown; whereDocument?: unknown };
  return !args.ids && Boolean(args.where || args.whereDocument);
};

describe('the record count taken ahead, by the off-thread reader for a table that holds one collection', () => {
  it('counts beside a first query’s checks (the worker) and ahead of a filter’s work: never in one piece, and the answers are Chroma’s', async () => {
    const plain = queries.filter(isPlain);
    const filtered = queries.filter(isFiltered);
    expect(plain.length).toBeGreaterThan(0);
    expect(filtered.length).toBeGreaterThan(0);
    // The reader's own count in one piece (CollectionReader.segmentRows when nothing counted ahead).
    const onePiece = vi.spyOn(segmentRecords, 'segmentRecordCount');
    const mismatches: string[] = [];
    // A filter that uses one key twice builds that key's column ahead, which starts from the universe (and so the count).
    const twice = { where: { $and: [{ year: { $gte: 2000 } }, { year: { $lt: 2020 } }] } };
    for (const c of [...plain, ...filtered, { ...filtered[0]!, label: 'one key twice', args: { ...(filtered[0]!.args as object), ...twice } }]) {
      const folder = ChromaFolder.open(data);
      try {
        const ref = splitCollection(c.collection);
        const sqlCount = Number(folder.db.prepare('SELECT count(*) FROM embeddings WHERE segment_id = ?').pluck().get(folder.collection(ref).catalog.metadataSegment!.id));
        const answered = offThreadReadStats.answered;
        await folder.prepareQuery(ref, c.args, {}, { sliceMs: 0 });
        // A first plain query's checks count in the worker; a filter counts ahead on this thread, in ranges.
        expect(offThreadReadStats.answered - answered, `${c.label}: counted by the worker ahead`).toBe(isPlain(c) ? 1 : 0);
        if (c.label === 'one key twice') folder.query(ref, c.args);
        else {
          const bad = compareCase(c, folder.query(ref, c.args));
          if (bad) mismatches.push(`${c.label}: ${bad}`);
        }
        expect(folder.count(ref), c.label).toBe(sqlCount);
        expect(onePiece.mock.calls.length, `${c.label}: counted in one piece`).toBe(0);
      } finally {
        folder.close();
      }
    }
    expect(mismatches).toEqual([]);
    // The spy sees a count in the call when nothing counted ahead.
    const folder = ChromaFolder.open(data);
    try {
      const before = onePiece.mock.calls.length;
      folder.count(splitCollection(plain[0]!.collection));
      expect(onePiece.mock.calls.length - before).toBe(1);
    } finally {
      folder.close();
    }
    vi.restoreAllMocks();
  });

  it('counts in ranges of ids ahead of count(), the event loop turning between them, through the folder and the embedded client, to what SQL counts', async () => {
    // Ranges even though the copy is in the page cache (its one piece is page-residency.test.ts's).
    Object.assign(countTuning, { idsPerStep: 100, prepareCountOnePieceBelowIds: 0, prepareCountOnePieceCachedBelowIds: 0 });
    const oneCount = vi.spyOn(segmentRecords, 'segmentRecordCount');
    const ref = splitCollection(queries[0]!.collection);
    const folder = ChromaFolder.open(data);
    const client = new PersistentClient({ path: data });
    try {
      const sqlCount = Number(folder.db.prepare('SELECT count(*) FROM embeddings WHERE segment_id = ?').pluck().get(folder.collection(ref).catalog.metadataSegment!.id));
      const counter = turnCounter();
      await folder.prepareCount(ref, { sliceMs: 0 });
      counter.stop();
      // 1,349 records, their ids in 14 ranges of 100: other work ran between them.
      expect(counter.turns()).toBeGreaterThanOrEqual(13);
      expect(folder.count(ref)).toBe(sqlCount);
      const col = await client.getCollection({ name: KEPT, embeddingFunction: null as never });
      expect(await col.count()).toBe(sqlCount);
      // Nothing counted in one piece, ahead or in the call.
      expect(oneCount).not.toHaveBeenCalled();
    } finally {
      folder.close();
      await client.close();
      Object.assign(countTuning, tuned, { offThreadFromIds: 1 });
      vi.restoreAllMocks();
    }
  });
});
