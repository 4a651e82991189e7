import { describe, expect, it } from 'vitest';
import { VectorSlab } from '../../../src-main/engine/hnsw/vector-slab.js';

// A stored vector with NaN or Infinity must never be ranked, and must not displace real
// neighbours. The expected answer is computed here in float64, independently of the engine.

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

describe('exact search skips vectors with non-finite components', () => {
  it('l2: same ids and order as a brute force over the finite vectors', () => {
    const dim = 8;
    const r = rng(7);
    const slab = new VectorSlab('l2', dim);
    const vectors = new Map<number, Float32Array>();
    for (let label = 1; label <= 200; label++) {
      const v = Float32Array.from({ length: dim }, r);
      if (label === 17) v[3] = Number.NaN;
      if (label === 42) v[0] = Number.POSITIVE_INFINITY;
      vectors.set(label, v);
      slab.put(label, v, null);
    }
    const query = Float32Array.from({ length: dim }, r);
    const expected = [...vectors]
      .filter(([, v]) => v.every((x) => Number.isFinite(x)))
      .map(([label, v]) => ({ label, d: v.reduce((s, x, i) => s + (query[i]! - x) ** 2, 0) }))
      .sort((a, b) => a.d - b.d || a.label - b.label)
      .slice(0, 10);
    const hits = slab.search(query, 10, null);
    expect(hits.map((h) => h.label)).toEqual(expected.map((e) => e.label));
    for (let i = 0; i < hits.length; i++) expect(hits[i]!.distance).toBeCloseTo(expected[i]!.d, 4);
    expect(slab.search(query, 500, null).map((h) => h.label)).not.toContain(17);
    expect(slab.search(query, 500, new Set([17, 42, 5])).map((h) => h.label)).toEqual([5]);
  });
});
