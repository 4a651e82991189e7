import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { PersistentClient } from '../../src-main/client/persistent-client.js';
import { referenceFixture } from '../helpers/paths.js';
import { independentRecall } from '../helpers/independent-recall.js';

/**
 * The recall lab against an independent computation: exact neighbours by a float64 brute force in
 * this file, and the graph's answers from the query Chroma would answer (folder.query, which the
 * recorded-case suites hold equal to real Chroma), for the same sampled records.
 */

describe('recall lab on folders real Chroma 1.3.4 wrote', () => {
  let folder: ChromaFolder;
  beforeAll(() => (folder = ChromaFolder.open(join(referenceFixture('chroma-1.3.4-seed7'), 'data'))));
  afterAll(() => folder.close());

  // points has no checkpoint in this folder (all its vectors are in the WAL): Chroma answers exactly.
  it.each([
    ['articles', true],
    ['points', false],
    ['inner', true],
  ])('%s: recall at the collection ef equals an independent brute force (graph: %s)', (name, graph) => {
    const report = folder.recall({ name }, { k: 10, queries: 60, seed: 3 });
    expect(report.queries).toBe(60);
    expect(new Set(report.sampleIds).size).toBe(60);
    expect(report.recall).toBeCloseTo(independentRecall(folder, name, report.sampleIds, 10), 12);
    expect(report.curve.map((p) => p.ef)).toContain(report.params.efSearch);
    expect(report.graph).toBe(graph);
    if (!graph) expect(report.advice[0]).toMatch(/no HNSW graph yet/);
  });

  it('samples the same records for the same seed, others for another', () => {
    const a = folder.recall({ name: 'points' }, { k: 5, queries: 20, seed: 9 });
    const b = folder.recall({ name: 'points' }, { k: 5, queries: 20, seed: 9 });
    const c = folder.recall({ name: 'points' }, { k: 5, queries: 20, seed: 10 });
    expect(b.sampleIds).toEqual(a.sampleIds);
    expect(c.sampleIds).not.toEqual(a.sampleIds);
  });

  it('rejects a k or a sample size out of range, naming it', () => {
    expect(() => folder.recall({ name: 'points' }, { k: 0, queries: 10 })).toThrow(/k must be an integer from 1/);
    expect(() => folder.recall({ name: 'points' }, { k: 5, queries: 0 })).toThrow(/queries must be an integer from 1/);
  });
});

describe('recall lab on a sparse graph with flawed vectors', () => {
  let dir: string;
  let folder: ChromaFolder;
  const dim = 24;
  let seed = 17;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'recall-lab-'));
    const client = new PersistentClient({ path: dir });
    const col = await client.createCollection({
      name: 'sparse',
      metadata: { 'hnsw:space': 'l2', 'hnsw:M': 2, 'hnsw:construction_ef': 4, 'hnsw:search_ef': 1, 'hnsw:batch_size': 100, 'hnsw:sync_threshold': 100 },
      embeddingFunction: null,
    });
    const vectors = Array.from({ length: 1500 }, () => Array.from({ length: dim }, rand));
    vectors[10] = [...vectors[3]!]; // a duplicate pair
    vectors[11] = [...vectors[3]!]; // a third copy
    vectors[20] = new Array(dim).fill(0); // a zero vector
    vectors[30] = vectors[30]!.map((x) => x * 50); // far outside the rest
    for (let i = 0; i < vectors.length; i += 100) {
      await col.add({ ids: vectors.slice(i, i + 100).map((_, j) => `r${i + j}`), embeddings: vectors.slice(i, i + 100) });
    }
    await client.close();
    folder = ChromaFolder.open(dir);
  });
  afterAll(() => {
    folder?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('measures the low recall an independent brute force finds, and a sweep that recovers it', () => {
    const report = folder.recall({ name: 'sparse' }, { k: 10, queries: 80, seed: 5, efValues: [1, 10, 50, 200] });
    expect(report.recall).toBeCloseTo(independentRecall(folder, 'sparse', report.sampleIds, 10), 12);
    expect(report.recall).toBeLessThan(0.9);
    expect(report.curve.map((p) => p.ef)).toEqual([1, 10, 50, 200]);
    expect(report.curve.at(-1)!.recall).toBeGreaterThan(report.recall);
    for (const p of report.curve) expect(p.minRecall).toBeLessThanOrEqual(p.recall);
    expect(report.advice.join(' ')).toMatch(/ef_search/);
  });

  it('flags the duplicates, the zero vector and the outlier by id', () => {
    const { flags } = folder.recall({ name: 'sparse' }, { k: 5, queries: 5 });
    const flag = (kind: string) => flags.find((f) => f.kind === kind);
    expect(flag('duplicates')).toMatchObject({ count: 2, ids: ['r3 = r10 = r11'] });
    expect(flag('zero-norm')).toMatchObject({ count: 1, ids: ['r20'] });
    expect(flag('outliers-distance')?.ids[0]).toBe('r30');
    expect(flag('outliers-norm')?.ids[0]).toBe('r30');
    expect(flag('non-finite')).toBeUndefined();
  });
});

describe('recall lab: distance contrast', () => {
  let dir: string;
  let folder: ChromaFolder;
  let seed = 23;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'recall-contrast-'));
    const client = new PersistentClient({ path: dir });
    // Tight clusters: a record's nearest neighbour is far nearer than records at random.
    const clustered = await client.createCollection({ name: 'clustered', embeddingFunction: null, metadata: { 'hnsw:space': 'l2' } });
    const centres = Array.from({ length: 20 }, () => Array.from({ length: 16 }, () => 10 * rand()));
    await clustered.add({ ids: Array.from({ length: 400 }, (_, i) => `c${i}`), embeddings: Array.from({ length: 400 }, (_, i) => centres[i % 20]!.map((x) => x + 0.01 * rand())) });
    // Uniform noise in 2,048 dimensions: every distance is about the same.
    const noise = await client.createCollection({ name: 'noise', embeddingFunction: null, metadata: { 'hnsw:space': 'cosine' } });
    await noise.add({ ids: Array.from({ length: 300 }, (_, i) => `n${i}`), embeddings: Array.from({ length: 300 }, () => Array.from({ length: 2048 }, rand)) });
    await client.close();
    folder = ChromaFolder.open(dir);
  });
  afterAll(() => {
    folder?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is high for clustered vectors and near 1 for noise, which gets its own advice', () => {
    const clustered = folder.recall({ name: 'clustered' }, { k: 5, queries: 40 });
    expect(clustered.contrast!).toBeGreaterThan(3);
    expect(clustered.advice.join(' ')).not.toMatch(/look like noise/);
    const noise = folder.recall({ name: 'noise' }, { k: 5, queries: 40 });
    expect(noise.contrast!).toBeGreaterThan(1);
    expect(noise.contrast!).toBeLessThan(1.15);
    expect(noise.advice[0]).toMatch(/look like noise at this dimension/);
  });
});
