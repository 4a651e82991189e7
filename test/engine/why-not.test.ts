import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as parallelInsertModule from '../../src-main/engine/hnsw/parallel-insert.js';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { PersistentClient } from '../../src-main/client/persistent-client.js';
import type { Space } from '../../shared/models.js';
import { referenceFixture } from '../helpers/paths.js';
import { bruteDistance } from '../helpers/brute-distance.js';

/**
 * "Why not this record?" against Chroma's recorded answers (which records a query returned) and
 * an independent brute force in float64 over the stored vectors (where a record ranks).
 */

interface Case {
  collection: string;
  label: string;
  op: string;
  args: Record<string, unknown>;
  result: { ids: string[][]; distances?: number[][] };
}

const fixture = referenceFixture('chroma-1.3.4-seed7');
const cases = (JSON.parse(readFileSync(join(fixture, 'cases.json'), 'utf8')) as { cases: Case[] }).cases;
const queryCase = (collection: string, label: string) => cases.find((c) => c.collection === collection && c.op === 'query' && c.label === label)!;

const distance = bruteDistance;

/** Every record's exact distance to `q`, ascending (float64, no shared code with the engine). */
function bruteForce(records: { id: string; vector: number[] }[], q: number[], space: Space) {
  return records.map((r) => ({ id: r.id, d: distance(space, q, r.vector) })).sort((x, y) => x.d - y.d);
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b));

describe('why-not on a folder real Chroma 1.3.4 wrote', () => {
  let folder: ChromaFolder;
  const ref = { name: 'articles' };
  let space: Space;
  let records: { id: string; vector: number[]; metadata: Record<string, unknown> | null; document: string | null }[];

  beforeAll(() => {
    folder = ChromaFolder.open(join(fixture, 'data'));
    space = folder.collectionInfo(ref).hnsw.space;
    const all = folder.get(ref, { include: ['embeddings', 'metadatas', 'documents'] });
    records = all.ids.map((id, i) => ({ id, vector: all.embeddings![i]!, metadata: all.metadatas![i] as Record<string, unknown> | null, document: all.documents![i] ?? null }));
  });
  afterAll(() => folder.close());

  it('ranked below k: the exact rank and distance an independent brute force gives', () => {
    const c = queryCase('articles', 'query k=5');
    const q = (c.args.queryEmbeddings as number[][])[0]!;
    const ranked = bruteForce(records, q, space);
    // A record Chroma did not return, away from ties so float32 cannot reorder it.
    const at = ranked.findIndex((r, i) => i >= 7 && !c.result.ids[0]!.includes(r.id) && ranked[i + 1]!.d - r.d > 1e-4 && r.d - ranked[i - 1]!.d > 1e-4);
    const target = ranked[at]!;
    const answer = folder.whyNot(ref, { queryEmbeddings: [q], nResults: 5 }, target.id);
    expect(answer.cause).toBe('ranked-below-k');
    expect(answer.exactRank).toBe(at + 1);
    expect(answer.candidates).toBe(records.length);
    expect(close(answer.distance!, target.d)).toBe(true);
    expect(close(answer.exactKthDistance!, ranked[4]!.d)).toBe(true);
    expect(close(answer.resultKthDistance!, c.result.distances![0]![4]!)).toBe(true);
    expect(answer.summary).toContain(`ranks ${JSON.stringify(target.id)} ${at + 1} of the ${records.length}`);
  });

  it.each(['points', 'inner'])('ranked below k in %s (its own space) as brute force ranks it', (name) => {
    const other = { name };
    const otherSpace = folder.collectionInfo(other).hnsw.space;
    const all = folder.get(other, { include: ['embeddings'] });
    const rows = all.ids.map((id, i) => ({ id, vector: all.embeddings![i]! }));
    const c = queryCase(name, 'query k=5');
    const q = (c.args.queryEmbeddings as number[][])[0]!;
    const ranked = bruteForce(rows, q, otherSpace);
    const at = ranked.findIndex((r, i) => i >= 9 && ranked[i + 1]!.d - r.d > 1e-4 && r.d - ranked[i - 1]!.d > 1e-4);
    const answer = folder.whyNot(other, { queryEmbeddings: [q], nResults: 5 }, ranked[at]!.id);
    expect(answer).toMatchObject({ cause: 'ranked-below-k', exactRank: at + 1, candidates: rows.length });
    expect(close(answer.distance!, ranked[at]!.d)).toBe(true);
  });

  it('returned: a record in Chroma\'s answer is reported at its rank', () => {
    const c = queryCase('articles', 'query k=10');
    const q = (c.args.queryEmbeddings as number[][])[0]!;
    const id = c.result.ids[0]![3]!;
    const answer = folder.whyNot(ref, { queryEmbeddings: [q], nResults: 10 }, id);
    expect(answer).toMatchObject({ cause: 'returned', rank: 4 });
    expect(close(answer.distance!, c.result.distances![0]![3]!)).toBe(true);
  });

  it('excluded by where: the failing leaf, with the record\'s value', () => {
    const c = queryCase('articles', 'query where {"year":{"$gt":2010}}');
    const q = (c.args.queryEmbeddings as number[][])[0]!;
    const old = records.find((r) => typeof r.metadata?.year === 'number' && (r.metadata.year as number) <= 2010)!;
    const answer = folder.whyNot(ref, { queryEmbeddings: [q], nResults: 5, where: { year: { $gt: 2010 } } }, old.id);
    expect(answer.cause).toBe('excluded-by-where');
    expect(answer.misses).toEqual([
      { path: 'where', leaf: '{"year":{"$gt":2010}}', recordValue: `${old.metadata!.year} (int)`, reason: `"year" is ${old.metadata!.year} (int), not > 2010 (int)` },
    ]);
    // A record without the key at all is turned away by the same leaf, and says so.
    const without = records.find((r) => r.metadata === null || !('year' in r.metadata));
    if (without) {
      const a = folder.whyNot(ref, { queryEmbeddings: [q], nResults: 5, where: { year: { $gt: 2010 } } }, without.id);
      expect(a.misses![0]!.reason).toBe('the record has no "year"');
    }
  });

  it('excluded by where: inside $and and $or, only the leaves that fail', () => {
    const q = records[0]!.vector;
    const r = records.find((x) => x.metadata?.category === 'news' && typeof x.metadata.year === 'number')!;
    const year = r.metadata!.year as number;
    const where = { $and: [{ category: 'news' }, { $or: [{ year: { $lt: year } }, { category: { $in: ['tech', 'sports'] } }] }] };
    const answer = folder.whyNot(ref, { queryEmbeddings: [q], nResults: 3, where }, r.id);
    expect(answer.cause).toBe('excluded-by-where');
    expect(answer.misses!.map((m) => [m.path, m.leaf])).toEqual([
      ['where.$and[1].$or[0]', `{"year":{"$lt":${year}}}`],
      ['where.$and[1].$or[1]', '{"category":{"$in":["tech","sports"]}}'],
    ]);
    expect(answer.misses![1]!.reason).toBe('"category" is "news", not one of ["tech", "sports"]');
  });

  it('excluded by whereDocument: the text the document lacks', () => {
    const c = cases.find((x) => x.collection === 'articles' && x.op === 'query' && x.label === 'query whereDocument')!;
    const filter = c.args.whereDocument as { $contains: string };
    const q = (c.args.queryEmbeddings as number[][])[0]!;
    const r = records.find((x) => x.document !== null && !x.document.includes(filter.$contains))!;
    const answer = folder.whyNot(ref, { queryEmbeddings: [q], nResults: 5, whereDocument: filter }, r.id);
    expect(answer.cause).toBe('excluded-by-where-document');
    expect(answer.misses![0]).toMatchObject({ path: 'whereDocument', leaf: JSON.stringify(filter), reason: `the document does not contain ${JSON.stringify(filter.$contains)} (case-sensitive)` });
  });

  it('a record the where lets through is ranked among what the filter allows', () => {
    const q = records[5]!.vector;
    const allowed = records.filter((r) => r.metadata?.category === 'news');
    const ranked = bruteForce(allowed, q, space);
    const at = ranked.findIndex((r, i) => i >= 6 && ranked[i + 1]!.d - r.d > 1e-4 && r.d - ranked[i - 1]!.d > 1e-4);
    const answer = folder.whyNot(ref, { queryEmbeddings: [q], nResults: 3, where: { category: 'news' } }, ranked[at]!.id);
    expect(answer).toMatchObject({ cause: 'ranked-below-k', exactRank: at + 1, candidates: allowed.length });
  });

  it('not found, and excluded by ids', () => {
    const q = records[0]!.vector;
    expect(folder.whyNot(ref, { queryEmbeddings: [q], nResults: 3 }, 'no-such-id').cause).toBe('not-found');
    const a = folder.whyNot(ref, { queryEmbeddings: [q], nResults: 3, ids: [records[1]!.id, records[2]!.id] }, records[3]!.id);
    expect(a.cause).toBe('excluded-by-ids');
  });

  it('takes one query vector only', () => {
    const q = records[0]!.vector;
    expect(() => folder.whyNot(ref, { queryEmbeddings: [q, q], nResults: 3 }, records[1]!.id)).toThrow(/one query vector/);
  });
});

describe('why-not: missed by the index', () => {
  let dir: string;
  const dim = 24;
  let seed = 11;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const vectors: number[][] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'why-not-'));
    // A deliberately poor graph (few links, small construction and search ef) persisted whole, so
    // its greedy search misses true neighbours often; the WAL tail is searched exactly and would not.
    const client = new PersistentClient({ path: dir });
    const col = await client.createCollection({
      name: 'sparse',
      metadata: { 'hnsw:space': 'l2', 'hnsw:M': 2, 'hnsw:construction_ef': 4, 'hnsw:search_ef': 1, 'hnsw:batch_size': 100, 'hnsw:sync_threshold': 100 },
      embeddingFunction: null,
    });
    for (let i = 0; i < 1500; i++) vectors.push(Array.from({ length: dim }, rand));
    for (let i = 0; i < vectors.length; i += 100) {
      await col.add({ ids: vectors.slice(i, i + 100).map((_, j) => `r${i + j}`), embeddings: vectors.slice(i, i + 100) });
    }
    await client.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names a record exact search ranks within k that the graph search did not reach', () => {
    const folder = ChromaFolder.open(dir);
    try {
      const ref = { name: 'sparse' };
      const records = vectors.map((vector, i) => ({ id: `r${i}`, vector }));
      let checked = 0;
      for (let t = 0; t < 60 && checked < 3; t++) {
        const q = Array.from({ length: dim }, rand);
        const k = 5;
        const answer = folder.query(ref, { queryEmbeddings: [q], nResults: k, include: ['distances'] });
        const ranked = bruteForce(records, q, 'l2');
        const miss = ranked.slice(0, k).findIndex((r, i) => !answer.ids[0]!.includes(r.id) && ranked[i + 1]!.d - r.d > 1e-4 && (i === 0 || r.d - ranked[i - 1]!.d > 1e-4));
        if (miss < 0) continue;
        const why = folder.whyNot(ref, { queryEmbeddings: [q], nResults: k }, ranked[miss]!.id);
        expect(why).toMatchObject({ cause: 'missed-by-index', exactRank: miss + 1, candidates: records.length, efSearch: k });
        expect(close(why.distance!, ranked[miss]!.d)).toBe(true);
        expect(why.summary).toContain('did not reach it');
        checked++;
      }
      expect(checked).toBe(3);
    } finally {
      folder.close();
    }
  });
});

describe('why-not: a twin at the k-th distance', () => {
  let dir: string;
  const dim = 8;
  let seed = 23;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const twin = Array.from({ length: dim }, () => 0.5);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'why-not-twins-'));
    // Forty records share one vector, among 400 others, in a graph persisted whole: a query for
    // that vector finds forty records at distance 0, of which k = 5 fit. One insert thread: the
    // same graph every run (several assign internal ids in no fixed order).
    // (The thread count is decided once per process, so the build's is pinned here.)
    const real = parallelInsertModule.parallelInsert();
    const pinned = vi.spyOn(parallelInsertModule, 'parallelInsert').mockReturnValue(real.available ? { ...real, threads: 1 } : real);
    try {
      const client = new PersistentClient({ path: dir });
      const col = await client.createCollection({
        name: 'twins',
        metadata: { 'hnsw:space': 'l2', 'hnsw:M': 4, 'hnsw:construction_ef': 8, 'hnsw:search_ef': 5, 'hnsw:batch_size': 100, 'hnsw:sync_threshold': 100 },
        embeddingFunction: null,
      });
      const embeddings = Array.from({ length: 440 }, (_, i) => (i % 11 === 0 ? twin : Array.from({ length: dim }, rand)));
      for (let i = 0; i < embeddings.length; i += 110) await col.add({ ids: embeddings.slice(i, i + 110).map((_, j) => `r${i + j}`), embeddings: embeddings.slice(i, i + 110) });
      await client.close();
      expect(pinned).toHaveBeenCalled();
    } finally {
      pinned.mockRestore();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says a twin within k that did not make the cut tied at the k-th distance, not that the graph missed it', () => {
    const folder = ChromaFolder.open(dir);
    try {
      const ref = { name: 'twins' };
      const answer = folder.query(ref, { queryEmbeddings: [twin], nResults: 5, include: ['distances'] });
      expect(answer.distances![0]).toEqual([0, 0, 0, 0, 0]);
      const returned = new Set(answer.ids[0]);
      const twins = Array.from({ length: 40 }, (_, t) => `r${t * 11}`);
      const verdicts = twins.filter((id) => !returned.has(id)).map((id) => folder.whyNot(ref, { queryEmbeddings: [twin], nResults: 5 }, id));
      // Exact search ranks equal distances by label: the five lowest twins are within k.
      const within = verdicts.filter((v) => v.cause === 'missed-by-index');
      const below = verdicts.filter((v) => v.cause === 'ranked-below-k');
      expect(within.length + below.length).toBe(verdicts.length);
      for (const v of within) {
        expect(v.exactRank).toBeLessThanOrEqual(5);
        expect(v.summary).toContain('at the same distance as the 5th result');
        expect(v.summary).not.toContain('did not reach it');
      }
      // The graph kept other twins than the five lowest labels here (its internal order).
      expect(within.length).toBeGreaterThan(0);
    } finally {
      folder.close();
    }
  });
});
