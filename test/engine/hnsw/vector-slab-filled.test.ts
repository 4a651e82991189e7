import { describe, expect, it } from 'vitest';
import { VectorArena } from '../../../src-main/engine/hnsw/simd-kernel.js';
import { VectorSlab } from '../../../src-main/engine/hnsw/vector-slab.js';
import { runSteps } from '../../../src-main/engine/util/steps.js';
import { bruteDistance } from '../../helpers/brute-distance.js';

const DIM = 4;
// Distinct vectors for distinct labels (no two at one distance from the query).
const vector = (i: number) => Float32Array.from({ length: DIM }, (_, d) => Math.sin(i * 12.9898 + d * 78.233) * 10);

describe('VectorSlab.filledSteps: a slab over a prepared arena, taking the load’s labels as its own', () => {
  for (const filled of [0, 3]) {
    it(`holds ${filled} filled slot(s), then grows for puts past them, and finds every vector by exact distance`, () => {
      const arena = VectorArena.create('l2', DIM, Math.max(1, filled));
      expect(arena).not.toBeNull();
      const labels = Float64Array.from({ length: filled }, (_, i) => 100 + i);
      const data = arena!.data();
      for (let i = 0; i < filled; i++) data.set(vector(100 + i), i * DIM);
      const slab = runSteps(VectorSlab.filledSteps('l2', DIM, arena!, labels, null));
      expect(slab.size).toBe(filled);
      // Past the filled slots: each put grows the slab (an empty label array too).
      for (let label = 200; label < 205; label++) slab.put(label, vector(label), null);
      const all = [...Array.from(labels), 200, 201, 202, 203, 204];
      expect(slab.size).toBe(all.length);
      for (const label of all) expect(Array.from(slab.stored(label)!)).toEqual(Array.from(vector(label)));
      const query = vector(999);
      const expected = all.map((label) => ({ label, d: bruteDistance('l2', query, vector(label)) })).sort((a, b) => a.d - b.d);
      const hits = slab.search(query, all.length, null);
      expect(hits.map((h) => h.label)).toEqual(expected.map((e) => e.label));
      // float32 sums against doubles: equal to float32 precision.
      hits.forEach((h, i) => expect(Math.abs(h.distance - expected[i]!.d)).toBeLessThan(1e-6 * expected[i]!.d));
    });
  }
});
