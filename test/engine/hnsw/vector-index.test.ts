import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InspectorError } from '../../../shared/errors.js';
import type { Space } from '../../../shared/models.js';
import { readCheckpoint, type CheckpointResult } from '../../../src-main/engine/hnsw/checkpoint.js';
import { BruteForceIndex, HnswlibIndex, type SearchHit, type VectorIndex } from '../../../src-main/engine/hnsw/vector-index.js';
import { normalizeForStorage } from '../../../src-main/engine/hnsw/vector-math.js';
import { ARTICLES, INNER, copySegment, loadCases, openSqlite, relClose, rustPickle, seed7, type CaseRecord } from './helpers.js';
import { decodeIndexMetadata } from '../../../src-main/engine/hnsw/index-metadata.js';
import { readPickle } from '../../../src-main/engine/hnsw/pickle-reader.js';

interface WalRow { seq_id: number; operation: number; id: string; vector: Buffer | null }

/** Replays the WAL tail past V onto both indexes with Chroma's vector rules (docs/format.md §6.8). */
function replayTail(seg: string, cp: CheckpointResult, targets: { upsert(l: number, v: Float32Array): void; delete(l: number): boolean }[]) {
  const db = openSqlite(path.join(seed7, 'chroma.sqlite3'));
  try {
    const { collection } = db.prepare('SELECT collection FROM segments WHERE id = ?').get(seg) as { collection: string };
    const { seq_id: v } = db.prepare('SELECT seq_id FROM max_seq_id WHERE segment_id = ?').get(seg) as { seq_id: number };
    const rows = db
      .prepare('SELECT seq_id, operation, id, vector FROM embeddings_queue WHERE topic = ? AND seq_id > ? ORDER BY seq_id')
      .all(`persistent://default/default/${collection}`, v) as WalRow[];
    const idToLabel = new Map(cp.idToLabel);
    let next = cp.totalElementsAdded + 1;
    for (const row of rows) {
      const vec = row.vector ? new Float32Array(row.vector.buffer.slice(row.vector.byteOffset, row.vector.byteOffset + row.vector.length)) : null;
      const known = idToLabel.get(row.id);
      if (row.operation === 3) {
        if (known !== undefined) {
          targets.forEach((t) => t.delete(known));
          idToLabel.delete(row.id);
        }
        continue;
      }
      if (!vec || (row.operation === 0 && known !== undefined) || (row.operation === 1 && known === undefined)) continue;
      const label = known ?? next++;
      targets.forEach((t) => t.upsert(label, vec));
      idToLabel.set(row.id, label);
    }
    return { idToLabel, rows: rows.length };
  } finally {
    db.close();
  }
}

type QueryCase = CaseRecord & { args: { queryEmbeddings: number[][]; nResults: number; ids?: string[] }; result: { ids: string[][]; distances: number[][] } };

function queryCases(collection: string): QueryCase[] {
  return loadCases().filter(
    (c): c is QueryCase => c.collection === collection && c.op === 'query' && !!c.result && (/^query k=\d+$/.test(c.label) || c.label === 'query ids'),
  );
}

function checkCase(index: VectorIndex, c: QueryCase, idToLabel: Map<string, number>): void {
  const labelToId = new Map([...idToLabel].map(([id, l]) => [l, id]));
  const allowed = c.args.ids ? new Set(c.args.ids.map((id) => idToLabel.get(id)).filter((l) => l !== undefined)) : null;
  c.args.queryEmbeddings.forEach((q, qi) => {
    const hits = index.search(Float32Array.from(q), c.args.nResults, allowed ? (l) => allowed.has(l) : undefined);
    expect(hits.map((h) => labelToId.get(h.label)), `${c.collection} ${c.label} #${qi}`).toEqual(c.result.ids[qi]);
    hits.forEach((h, i) => expect(relClose(h.distance, c.result.distances[qi]![i]!), `${h.distance} vs ${c.result.distances[qi]![i]}`).toBe(true));
  });
}

const tmpEntries = () => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('chroma-inspector-hnsw-')).length;

describe.each([
  { name: 'articles (cosine, checkpoint only)', seg: ARTICLES, space: 'cosine' as Space, collection: 'articles' },
  { name: 'inner (ip, checkpoint + WAL tail)', seg: INNER, space: 'ip' as Space, collection: 'inner' },
])('vector indexes reproduce Chroma 1.3.4 query results: $name', ({ seg, space, collection }) => {
  let cp: CheckpointResult;
  let brute: BruteForceIndex;
  let hnsw: HnswlibIndex;
  let idToLabel: Map<string, number>;

  beforeAll(async () => {
    cp = readCheckpoint(seed7, seg, { space });
    expect(cp.usable).toBe(true);
    brute = BruteForceIndex.fromCheckpoint(cp, space);
    const tmpBefore = tmpEntries();
    hnsw = await HnswlibIndex.fromCheckpoint(seed7, seg, cp, { space, reserve: 500 });
    expect(tmpEntries()).toBe(tmpBefore); // the joined temp file is gone
    ({ idToLabel } = replayTail(seg, cp, [brute, hnsw]));
  });

  it('has the live count Chroma reports', () => {
    const count = loadCases().find((c) => c.collection === collection && c.op === 'count')!.result as unknown as number;
    expect(brute.size()).toBe(count);
    expect(hnsw.size()).toBe(count);
    expect(idToLabel.size).toBe(count);
  });

  it('BruteForceIndex gives the same ids and distances as Chroma', () => {
    const cases = queryCases(collection);
    expect(cases.length).toBeGreaterThanOrEqual(4);
    for (const c of cases) checkCase(brute, c, idToLabel);
  });

  it('HnswlibIndex gives the same ids and distances as Chroma', () => {
    for (const c of queryCases(collection)) checkCase(hnsw, c, idToLabel);
  });

  it('both agree on top-k for many queries, with and without a filter', () => {
    const stored = [...cp.vectors.values()];
    const even = (l: number) => l % 2 === 0;
    let same = 0;
    let total = 0;
    for (let i = 0; i < 40; i++) {
      const q = Float32Array.from(stored[(i * 37) % stored.length]!, (x, j) => x + Math.sin(i + j) * 0.3);
      for (const allowed of [undefined, even]) {
        const a = brute.search(q, 10, allowed);
        const b = hnsw.search(q, 10, allowed);
        if (allowed) expect(b.every((h) => even(h.label))).toBe(true);
        total += a.length;
        same += b.filter((h) => a.some((x) => x.label === h.label)).length;
        b.forEach((h) => {
          const ref = a.find((x) => x.label === h.label);
          if (ref) expect(relClose(h.distance, ref.distance)).toBe(true);
        });
      }
    }
    expect(same / total).toBeGreaterThanOrEqual(0.99);
  });

  it('clamps k to the live count and returns [] for k = 0', () => {
    const q = Float32Array.from(cp.vectors.values().next().value!);
    for (const index of [brute, hnsw]) {
      expect(index.search(q, 100000).length).toBe(index.size());
      expect(index.search(q, 0)).toEqual([]);
    }
  });

  it('rejects a query of the wrong dimension like Chroma', () => {
    const dim = cp.header!.dim;
    for (const index of [brute, hnsw]) {
      let err: unknown;
      try {
        index.search(new Float32Array(dim + 1), 3);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InspectorError);
      expect((err as InspectorError).code).toBe('DIMENSION_MISMATCH');
      expect((err as InspectorError).message).toBe(`Collection expecting embedding with dimension of ${dim}, got ${dim + 1}`);
    }
  });
});

describe('HnswlibIndex with phantom labels', () => {
  it('marks graph elements missing from the pickle deleted so they are never returned', async () => {
    const copy = copySegment(seed7, ARTICLES);
    try {
      const full = readCheckpoint(seed7, ARTICLES, { space: 'cosine' });
      const meta = decodeIndexMetadata(readPickle(fs.readFileSync(copy.file('index_metadata.pickle')), 'p'), 'p');
      const [droppedId, droppedLabel] = [...meta.idToLabel][0]!;
      const kept = new Map(meta.idToLabel);
      kept.delete(droppedId);
      fs.writeFileSync(copy.file('index_metadata.pickle'), rustPickle(kept, meta.totalElementsAdded));
      const cp = readCheckpoint(copy.root, ARTICLES, { space: 'cosine' });
      expect(cp.phantomLabels).toEqual([droppedLabel]);
      const hnsw = await HnswlibIndex.fromCheckpoint(copy.root, ARTICLES, cp, { space: 'cosine' });
      expect(hnsw.size()).toBe(full.idToLabel.size - 1);
      const q = full.vectors.get(droppedLabel)!;
      const hits = hnsw.search(q, 10);
      expect(hits.length).toBe(10);
      expect(hits.some((h) => h.label === droppedLabel)).toBe(false);
      expect(hnsw.search(q, 100000).length).toBe(hnsw.size());
    } finally {
      copy.cleanup();
    }
  });
});

describe('fresh indexes', () => {
  const sorted = (hits: SearchHit[]) => hits.map((h) => h.label);

  it('BruteForceIndex orders ties by label and computes l2 squared / ip / cosine distances', () => {
    const l2 = new BruteForceIndex('l2', 2);
    l2.upsert(5, [1, 0]);
    l2.upsert(2, [-1, 0]);
    l2.upsert(9, [0, 3]);
    expect(l2.search(Float32Array.from([0, 0]), 3)).toEqual([
      { label: 2, distance: 1 },
      { label: 5, distance: 1 },
      { label: 9, distance: 9 },
    ]);
    const ip = new BruteForceIndex('ip', 2);
    ip.upsert(1, [2, 0]);
    ip.upsert(2, [0, 1]);
    expect(ip.search(Float32Array.from([3, 0]), 2)).toEqual([
      { label: 1, distance: -5 },
      { label: 2, distance: 1 },
    ]);
    const cos = new BruteForceIndex('cosine', 2);
    cos.upsert(1, [10, 0]);
    cos.upsert(2, [0, 0.5]);
    const hits = cos.search(Float32Array.from([3, 3]), 2);
    expect(sorted(hits)).toEqual([1, 2]);
    expect(hits[0]!.distance).toBeCloseTo(1 - Math.SQRT1_2, 6);
    expect(Math.fround(hits[0]!.distance)).toBe(hits[0]!.distance);
  });

  it('HnswlibIndex.create supports upsert (with growth), update, delete and filters', async () => {
    const index = await HnswlibIndex.create({ space: 'cosine', dim: 3 });
    const brute = new BruteForceIndex('cosine', 3);
    for (let label = 1; label <= 250; label++) {
      const v = [Math.sin(label), Math.cos(label * 1.3), Math.sin(label * 0.7) + 0.1];
      index.upsert(label, v);
      brute.upsert(label, v);
    }
    index.upsert(7, [1, 2, 3]);
    brute.upsert(7, [1, 2, 3]);
    expect(index.delete(8)).toBe(true);
    expect(index.delete(8)).toBe(false);
    brute.delete(8);
    expect(index.size()).toBe(249);
    const q = Float32Array.from([1, 2, 3.1]);
    expect(sorted(index.search(q, 5))).toEqual(sorted(brute.search(q, 5)));
    expect(index.search(q, 1)[0]!.label).toBe(7);
    const odd = (l: number) => l % 2 === 1;
    expect(sorted(index.search(q, 5, odd))).toEqual(sorted(brute.search(q, 5, odd)));
    expect(index.search(q, 300).some((h) => h.label === 8)).toBe(false);
  });

  it('normalises stored cosine vectors the way the fork does', () => {
    const v = normalizeForStorage([3, 4]);
    expect(Array.from(v)).toEqual([Math.fround(3 * Math.fround(1 / Math.fround(5 + Math.fround(1e-30)))), Math.fround(4 * Math.fround(1 / 5))]);
  });
});
