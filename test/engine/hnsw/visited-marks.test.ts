import { describe, expect, it } from 'vitest';
import type { GraphLinks } from '../../../src-main/engine/hnsw/graph-links.js';
import { CheckpointGraph } from '../../../src-main/engine/hnsw/graph-search.js';

/**
 * A graph search marks the elements it visits with a tag that cycles through 1..255 (bytes); at
 * the wrap every mark must be cleared, or marks a search left 255 searches earlier hide elements
 * from the search that reuses its tag.
 *
 * The graph is a line: element i holds the vector (i, 0, 0, 0) and links to i − 1 and i + 1,
 * the entry point is element 0. With ef = 1, a query at element 9 walks the whole line; a query
 * at element 0 visits elements 0 and 1 only. The nearest element to (9, 0, 0, 0) is element 9
 * (label 109) by inspection.
 */
const COUNT = 10;
const DIM = 4;

function lineGraph(): CheckpointGraph {
  const maxM0 = 2;
  const level0 = new Uint32Array(COUNT * (maxM0 + 1));
  const extra = new Float32Array(COUNT * DIM);
  for (let i = 0; i < COUNT; i++) {
    const neighbours = [i - 1, i + 1].filter((j) => j >= 0 && j < COUNT);
    level0[i * (maxM0 + 1)] = neighbours.length;
    neighbours.forEach((j, k) => (level0[i * (maxM0 + 1) + 1 + k] = j));
    extra[i * DIM] = i;
  }
  const links: GraphLinks = {
    count: COUNT,
    maxLevel: 0,
    entryPoint: 0,
    maxM0,
    maxM: 1,
    level0,
    level0File: null,
    levels: new Uint16Array(COUNT),
    upperStart: new Int32Array(COUNT).fill(-1),
    upper: new Uint32Array(0),
    labels: Float64Array.from({ length: COUNT }, (_, i) => 100 + i),
    deleted: new Uint8Array(COUNT),
    deletedCount: 0,
    // Every vector is a private copy (row i of `extra`): no slab is involved.
    vectorAt: Int32Array.from({ length: COUNT }, (_, i) => -(i + 1)),
    extra,
    maxLabel: 100 + COUNT - 1,
  };
  return new CheckpointGraph(links, () => new Float32Array(0), DIM, 'l2', () => () => Number.NaN);
}

describe('graph search visited marks', () => {
  it('finds what a fresh search finds after its tag wraps, whatever earlier searches left marked', () => {
    const graph = lineGraph();
    const far = Float32Array.of(9, 0, 0, 0);
    const near = Float32Array.of(0, 0, 0, 0);
    const all = () => true;
    // Search 1 (tag 1) marks the whole line.
    expect(graph.search(far, 1, 1, all).map((h) => h.label)).toEqual([109]);
    // Searches 2..255 mark elements 0 and 1 only: elements 2..9 keep search 1's tag.
    for (let n = 2; n <= 255; n++) expect(graph.search(near, 1, 1, all).map((h) => h.label)).toEqual([100]);
    // Search 256 takes tag 1 again.
    expect(graph.search(far, 1, 1, all)).toEqual([{ label: 109, distance: 0 }]);
    // And the cycle goes on.
    for (let n = 0; n < 600; n++) expect(graph.search(n % 2 ? far : near, 1, 1, all)[0]!.label).toBe(n % 2 ? 109 : 100);
  });
});
