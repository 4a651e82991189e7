import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { VectorState } from '../../src-main/engine/collection/vector-state.js';
import { RecordLabels } from '../../src-main/engine/collection/record-labels.js';
import { SqlColumnSource } from '../../src-main/engine/filter/sql-column-source.js';
import { readRecordDetail } from '../../src-main/engine/inspect/records-window.js';
import { exportCollection } from '../../src-main/engine/backup/export-records.js';
import { runDoctor } from '../../src-main/engine/doctor/run-doctor.js';
import { withLoadProgress } from '../../src-main/engine/util/load-progress.js';
import type { Progress } from '../../shared/protocol.js';
import { compareCase, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';
import { spyOnColumnBuilds } from '../helpers/column-builds.js';
import { independentRecall } from '../helpers/independent-recall.js';
import { bruteDistance } from '../helpers/brute-distance.js';
import { turnCounter } from '../helpers/event-loop.js';

/**
 * The engine calls beyond query and get that read every vector (the recall lab, why-not, the
 * embedding map and its colours, a get of embeddings, exports, the doctor) have their vector load
 * and their heavy work done ahead in slices (ahead/calls-ahead.ts), so serve's other calls go on
 * meanwhile. Each must give the thread back, load nothing in one piece, and still answer as real
 * Chroma recorded or as an independent computation here says.
 */

const fixture = referenceFixture('chroma-1.3.4-seed7');
const data = join(fixture, 'data');
const cases = (JSON.parse(readFileSync(join(fixture, 'cases.json'), 'utf8')) as { cases: RecordedCase[] }).cases;
const temps: string[] = [];

afterEach(() => vi.restoreAllMocks());
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** Runs `fn` on a fresh read-only folder, counting one-piece vector loads and turns given to others. */
async function measured<T>(fn: (folder: ChromaFolder) => Promise<T>): Promise<{ value: T; onePiece: number; turns: number }> {
  const onePiece = vi.spyOn(VectorState, 'load');
  const folder = ChromaFolder.open(data);
  const turns = turnCounter();
  try {
    const value = await fn(folder);
    return { value, onePiece: onePiece.mock.calls.length, turns: turns.turns() };
  } finally {
    turns.stop();
    folder.close();
  }
}

describe('work ahead of the calls that read every vector', () => {
  it('runs the recall lab in slices, with progress, and gets the figure an independent brute force gets', async () => {
    const progress: Progress[] = [];
    const { value: report, onePiece, turns } = await measured((folder) =>
      folder.recallSliced({ name: 'articles' }, { k: 10, queries: 40, seed: 3 }, { sliceMs: 0, report: (p) => progress.push(p) }),
    );
    expect(onePiece).toBe(0);
    // A pause at least after every search: 40 exact ones, then 40 for each ef of the sweep.
    expect(turns).toBeGreaterThan(40 * (report.curve.length + 1));
    const folder = ChromaFolder.open(data);
    try {
      expect(report.recall).toBeCloseTo(independentRecall(folder, 'articles', report.sampleIds, 10), 12);
    } finally {
      folder.close();
    }
    expect(progress.some((p) => /Exact search/.test(p.message ?? ''))).toBe(true);
    expect(progress.some((p) => /Graph search/.test(p.message ?? ''))).toBe(true);
  });

  it('stops the recall lab with CANCELLED when its caller cancels between searches, and refuses bad options before loading', async () => {
    const ac = new AbortController();
    let searched = 0;
    const { value: outcome, onePiece } = await measured((folder) =>
      folder
        // Cancelled once the searches have begun (their progress says so), not during the load.
        .recallSliced({ name: 'articles' }, { k: 10, queries: 200 }, { sliceMs: 0, signal: ac.signal, report: (p) => /search/.test(p.message ?? '') && ++searched && ac.abort() })
        .then(
          () => 'answered',
          (err: { code?: string }) => err.code,
        ),
    );
    expect(outcome).toBe('CANCELLED');
    expect(searched).toBeGreaterThan(0);
    expect(onePiece).toBe(0);
    const loads = vi.spyOn(VectorState, 'loadSliced');
    const { value: refused } = await measured((folder) => folder.recallSliced({ name: 'articles' }, { k: 0, queries: 5 }).catch((err: Error) => err.message));
    expect(refused).toMatch(/k must be an integer from 1/);
    expect(loads).not.toHaveBeenCalled();
  });

  it('answers why-not after its work ahead with the rank a brute force gives, loading nothing in one piece', async () => {
    const c = cases.find((x) => x.collection === 'articles' && x.op === 'query' && x.error === undefined && !(x.args as { where?: unknown }).where)!;
    const q = ((c.args as { queryEmbeddings: number[][] }).queryEmbeddings)[0]!;
    const args = { queryEmbeddings: [q], nResults: 3 };
    const { all, space } = (() => {
      const f = ChromaFolder.open(data);
      try {
        return { all: f.get({ name: 'articles' }, { include: ['embeddings'] }), space: f.collectionInfo({ name: 'articles' }).hnsw.space };
      } finally {
        f.close();
      }
    })();
    const ranked = all.ids.map((id, i) => ({ id, d: bruteDistance(space, q, all.embeddings![i]!) })).sort((a, b) => a.d - b.d);
    const target = ranked[7]!.id;
    const { value: answer, onePiece, turns } = await measured(async (folder) => {
      await folder.prepareWhyNot({ name: 'articles' }, args, { sliceMs: 0 });
      return folder.whyNot({ name: 'articles' }, args, target);
    });
    expect(onePiece).toBe(0);
    expect(turns).toBeGreaterThan(2);
    expect(answer.cause).toBe('ranked-below-k');
    expect(answer.exactRank).toBe(8);
  });

  it('answers a filtered why-not after its work ahead without building a column, looking labels up or asking SQLite for a leaf in the call', async () => {
    const columnsBuiltInCall = spyOnColumnBuilds();
    const lookups = vi.spyOn(RecordLabels.prototype, 'lookupSteps');
    const leaves = vi.spyOn(SqlColumnSource.prototype as unknown as { runSqlLeaf: () => unknown }, 'runSqlLeaf');
    const { value, onePiece } = await measured(async (folder) => {
      const ref = { name: 'articles' };
      const dim = folder.collectionInfo(ref).dimension!;
      const args = { queryEmbeddings: [Array.from({ length: dim }, (_, i) => Math.cos(i))], nResults: 2, where: { category: 'news' } };
      const target = folder.get(ref, { where: { category: 'news' }, include: [] }).ids.at(-1)!;
      const answers = [];
      // Twice: the second time the key's column is due (its second use), and is built ahead.
      for (let round = 0; round < 2; round++) {
        await folder.prepareWhyNot(ref, args, { sliceMs: 0 });
        const [columns, looked, read] = [columnsBuiltInCall.length, lookups.mock.calls.length, leaves.mock.calls.length];
        answers.push(folder.whyNot(ref, args, target));
        expect([columnsBuiltInCall.length - columns, lookups.mock.calls.length - looked, leaves.mock.calls.length - read], `round ${round + 1}: columns, lookups, leaves in the call`).toEqual([0, 0, 0]);
      }
      return answers;
    });
    expect(onePiece).toBe(0);
    expect(value[1]).toEqual(value[0]);
    expect(['returned', 'ranked-below-k', 'missed-by-index']).toContain(value[0]!.cause);
  });

  it('reads every leaf of a filter of ten document leaves ahead: the query reads none', async () => {
    const leaves = vi.spyOn(SqlColumnSource.prototype as unknown as { runSqlLeaf: () => unknown }, 'runSqlLeaf');
    const words = ['the', 'and', 'of', 'to', 'in', 'is', 'for', 'on', 'with', 'as'];
    const { value } = await measured(async (folder) => {
      const ref = { name: 'articles' };
      const dim = folder.collectionInfo(ref).dimension!;
      const args = { queryEmbeddings: [Array.from({ length: dim }, (_, i) => Math.sin(i))], nResults: 3, whereDocument: { $or: words.map((w) => ({ $contains: w })) } };
      await folder.prepareQuery(ref, args, {}, { sliceMs: 0 });
      const read = leaves.mock.calls.length;
      const got = folder.query(ref, args);
      return { inCall: leaves.mock.calls.length - read, got, all: folder.get(ref, { include: ['documents'] }) };
    });
    expect(value.inCall).toBe(0);
    // Every answer is a record whose document holds one of the words.
    const docOf = new Map(value.all.ids.map((id, i) => [id, value.all.documents[i] ?? '']));
    expect(value.got.ids[0]!.length).toBe(3);
    for (const id of value.got.ids[0]!) expect(words.some((w) => docOf.get(id)!.includes(w)), id).toBe(true);
  });

  it('leaves a filter of more leaves than are kept to its call, reading none of them ahead', async () => {
    const paged = vi.spyOn(SqlColumnSource.prototype as unknown as { pagedLeafSteps: () => unknown }, 'pagedLeafSteps');
    const words = Array.from({ length: 40 }, (_, i) => `w${i}x`);
    const { value } = await measured(async (folder) => {
      const args = { whereDocument: { $or: words.map((w) => ({ $contains: w })) }, include: [] };
      const got = [];
      // Twice: the second time most of its leaves are cached, and it is still too many to read ahead.
      for (let round = 0; round < 2; round++) {
        await folder.prepareGet({ name: 'articles' }, args, { sliceMs: 0 });
        got.push(folder.get({ name: 'articles' }, args).ids);
      }
      return got;
    });
    expect(paged).not.toHaveBeenCalled();
    expect(value[1]).toEqual(value[0]);
  });

  it('builds the PCA map, its points and its colours ahead: the calls then build nothing and load nothing', async () => {
    const columnsBuiltInCall = spyOnColumnBuilds();
    const tables = vi.spyOn(RecordLabels.prototype as unknown as { emptyTable: () => unknown }, 'emptyTable');
    const { value, onePiece, turns } = await measured(async (folder) => {
      const ref = { name: 'articles' };
      await folder.prepareMap(ref, { colorKey: 'category' }, { sliceMs: 0 });
      const tablesAhead = tables.mock.calls.length;
      // What the calls report while they run: a map built in the call reports its fitting and projection.
      const reported: string[] = [];
      const map = withLoadProgress((p) => reported.push(p.message ?? ''), () => folder.embeddingMap(ref));
      const colors = withLoadProgress((p) => reported.push(p.message ?? ''), () => folder.mapColors(ref, 'category'));
      const xy = folder.projectOnMap(ref, Array.from({ length: map.count > 0 ? folder.collectionInfo(ref).dimension! : 0 }, () => 0));
      return { map, colors, xy, reported, tablesAhead, tablesInCalls: tables.mock.calls.length - tablesAhead };
    });
    expect(onePiece).toBe(0);
    expect(turns).toBeGreaterThan(10);
    expect(value.reported).toEqual([]);
    expect(columnsBuiltInCall).toEqual([]);
    expect(value.tablesAhead).toBe(1);
    expect(value.tablesInCalls).toBe(0);
    // The map holds every record, and its colours follow each record's category (as get reports it).
    const folder = ChromaFolder.open(data);
    try {
      const got = folder.get({ name: 'articles' }, { include: ['metadatas'] });
      expect(value.map.count).toBe(got.ids.length);
      expect([...value.map.ids].sort()).toEqual([...got.ids].sort());
      const categoryOf = new Map(got.ids.map((id, i) => [id, (got.metadatas![i] as Record<string, unknown> | null)?.category]));
      value.map.ids.forEach((id, p) => {
        const v = value.colors.values[p]!;
        const want = categoryOf.get(id);
        expect(v === -1 ? undefined : value.colors.categories[v], id).toBe(want === undefined ? undefined : String(want));
      });
    } finally {
      folder.close();
    }
    expect(value.xy.every(Number.isFinite)).toBe(true);
  });

  it('loads the vectors of a get of embeddings ahead: every recorded one answers as Chroma recorded', async () => {
    const withEmbeddings = cases.filter((c) => c.op === 'get' && c.error === undefined && ((c.args as { include?: string[] }).include ?? []).includes('embeddings'));
    expect(withEmbeddings.length).toBeGreaterThan(0);
    let turnsGiven = 0;
    for (const c of withEmbeddings) {
      const { value: bad, onePiece, turns } = await measured(async (folder) => {
        const ref = splitCollection(c.collection);
        await folder.prepareGet(ref, c.args, { sliceMs: 0 });
        return compareCase(c, folder.get(ref, c.args));
      });
      expect(bad, c.label).toBeNull();
      expect(onePiece, c.label).toBe(0);
      turnsGiven += turns;
    }
    // A collection whose vectors are all in the WAL loads in one step (the WAL part is read in one piece).
    expect(turnsGiven).toBeGreaterThan(withEmbeddings.length);
  });

  it("shows a record's embedding from the checkpoint's files, without loading the collection's vectors, as Chroma recorded it", async () => {
    const c = cases.find((x) => x.collection === 'articles' && x.op === 'get' && x.error === undefined && ((x.args as { include?: string[] }).include ?? []).includes('embeddings'))!;
    const recorded = c.result as { ids: string[]; embeddings: number[][] };
    const { value, onePiece } = await measured(async (folder) => {
      const rows = recorded.ids.slice(0, 5).map((id) => readRecordDetail(folder, folder.collection({ name: 'articles' }).id, id));
      return { rows, loaded: folder.collection({ name: 'articles' }).vectorsLoaded };
    });
    expect(onePiece).toBe(0);
    expect(value.loaded).toBe(false);
    value.rows.forEach((row, i) => {
      const want = recorded.embeddings[i]!;
      expect(row.embedding!.length).toBe(want.length);
      row.embedding!.forEach((x, j) => expect(Math.fround(x)).toBe(Math.fround(want[j]!)));
    });
  });

  it('exports embeddings and runs the doctor with their loads ahead in slices', async () => {
    const out = mkdtempSync(join(tmpdir(), 'calls-ahead-'));
    temps.push(out);
    const { value: exported, onePiece: exportLoads, turns: exportTurns } = await measured((folder) =>
      exportCollection(folder, { name: 'articles' }, join(out, 'articles.jsonl'), { format: 'jsonl' }),
    );
    expect(exportLoads).toBe(0);
    expect(exportTurns).toBeGreaterThan(2);
    const lines = readFileSync(join(out, 'articles.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBe(exported.records);
    expect((JSON.parse(lines[0]!) as { embedding: number[] }).embedding.length).toBeGreaterThan(0);
    const { value: report, onePiece: doctorLoads } = await measured((folder) => runDoctor(folder));
    expect(report.collections.length).toBeGreaterThan(1);
    expect(doctorLoads).toBe(0);
  });
});
