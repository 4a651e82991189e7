import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { PersistentClient } from '../../src-main/client/persistent-client.js';
import { umapLabels, umapMap } from '../../src-main/engine/map/umap-map.js';
import type { InspectorError } from '../../shared/errors.js';

/**
 * The UMAP layout against data whose structure is known by construction: well-separated
 * clusters in 24-d. A layout that keeps them apart puts each point's nearest 2-D neighbour in its
 * own cluster; the points, their order and the colours follow the collection's.
 */
const dim = 24;
const clusters = 4;
const perCluster = 150;
let seed = 11;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
const centres = Array.from({ length: clusters }, () => Array.from({ length: dim }, () => 6 * rand()));
const records = Array.from({ length: clusters * perCluster }, (_, i) => {
  const c = i % clusters;
  return { id: `p${i}`, cluster: c, vector: centres[c]!.map((x) => x + 0.4 * rand()) };
});

const work = mkdtempSync(join(tmpdir(), 'umap-map-'));
let folder: ChromaFolder;
const noProgress = () => {};
const signal = new AbortController().signal;
beforeAll(async () => {
  const client = new PersistentClient({ path: work });
  const col = await client.createCollection({ name: 'blobs', metadata: { 'hnsw:space': 'l2' }, embeddingFunction: null });
  await col.add({ ids: records.map((r) => r.id), embeddings: records.map((r) => r.vector), metadatas: records.map((r) => ({ cluster: `c${r.cluster}` })) });
  await client.close();
  folder = ChromaFolder.open(work);
});
afterAll(() => {
  folder?.close();
  rmSync(work, { recursive: true, force: true });
});

const decode = (b64: string) => {
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
};

describe('UMAP layout', () => {
  it('keeps known clusters apart: each point\'s nearest neighbour on the layout is in its cluster', async () => {
    const steps: string[] = [];
    const map = await folder.umapMap({ name: 'blobs' }, signal, (_d, _t, m) => steps.push(m));
    expect(map).toMatchObject({ method: 'umap', total: records.length, count: records.length, sampled: false });
    expect(steps).toContain("Finding each point's neighbours (HNSW)");
    expect(steps).toContain('Laying out (UMAP)');
    const xy = decode(map.xy);
    const clusterOf = new Map(records.map((r) => [r.id, r.cluster]));
    let same = 0;
    for (let i = 0; i < map.count; i++) {
      let best = -1;
      let bestD = Infinity;
      for (let j = 0; j < map.count; j++) {
        if (j === i) continue;
        const d = (xy[2 * i]! - xy[2 * j]!) ** 2 + (xy[2 * i + 1]! - xy[2 * j + 1]!) ** 2;
        if (d < bestD) [best, bestD] = [j, d];
      }
      if (clusterOf.get(map.ids[i]!) === clusterOf.get(map.ids[best]!)) same++;
    }
    expect(same / map.count).toBeGreaterThan(0.98);
    for (const v of xy) expect(Math.abs(v)).toBeLessThanOrEqual(1);
  });

  it('is the same layout every time (seeded), so every engine of a pool draws the same map', async () => {
    const a = await folder.umapMap({ name: 'blobs' }, signal, noProgress);
    const other = ChromaFolder.open(work);
    try {
      const b = await other.umapMap({ name: 'blobs' }, signal, noProgress);
      expect(b.ids).toEqual(a.ids);
      expect(b.xy).toBe(a.xy);
    } finally {
      other.close();
    }
  });

  it('colours its points by metadata, and places a stored vector at its own point', async () => {
    const map = await folder.umapMap({ name: 'blobs' }, signal, noProgress);
    const colours = folder.umapColors({ name: 'blobs' }, 'cluster');
    expect(colours.kind).toBe('category');
    map.ids.forEach((id, i) => expect(colours.categories[colours.values[i]!]).toBe(`c${records[Number(id.slice(1))]!.cluster}`));
    const xy = decode(map.xy);
    const i = map.ids.indexOf('p7');
    const [x, y] = await folder.projectOnUmap({ name: 'blobs' }, records[7]!.vector, signal, noProgress);
    expect(Math.hypot(x - xy[2 * i]!, y - xy[2 * i + 1]!)).toBeLessThan(0.05);
  });

  it('lays out a uniform sample above its limit, with neighbours found among the sample', async () => {
    const reader = folder.collection({ name: 'blobs' });
    const built = await umapMap(reader, signal, noProgress, 200);
    expect(built.map).toMatchObject({ total: records.length, count: 200, sampled: true, maxPoints: 200 });
    expect(built.labels).toEqual(umapLabels(reader, 200));
    expect(new Set(built.map.ids).size).toBe(200);
  });

  it('stops when cancelled, in the neighbour search or in the worker, and starts afresh after', async () => {
    const other = ChromaFolder.open(work);
    try {
      for (const stage of ["Finding each point's neighbours (HNSW)", 'Laying out (UMAP)']) {
        const ac = new AbortController();
        const failed = await other
          .umapMap({ name: 'blobs' }, ac.signal, (_d, _t, m) => m === stage && ac.abort())
          .then(() => null, (e: unknown) => e as InspectorError);
        expect(failed?.code, stage).toBe('CANCELLED');
      }
      const map = await other.umapMap({ name: 'blobs' }, signal, noProgress);
      expect(map.count).toBe(records.length);
    } finally {
      other.close();
    }
  });

  it('says when there are too few vectors', async () => {
    const small = mkdtempSync(join(tmpdir(), 'umap-small-'));
    try {
      const client = new PersistentClient({ path: small });
      const col = await client.createCollection({ name: 'few', embeddingFunction: null });
      await col.add({ ids: ['a', 'b', 'c'], embeddings: [[1, 0], [0, 1], [1, 1]] });
      await client.close();
      const f = ChromaFolder.open(small);
      const err = await f.umapMap({ name: 'few' }, signal, noProgress).then(() => null, (e: unknown) => e as InspectorError);
      f.close();
      expect(err?.message).toBe('UMAP needs more than 15 vectors; this collection has 3 (the PCA map shows them)');
    } finally {
      rmSync(small, { recursive: true, force: true });
    }
  });
});
