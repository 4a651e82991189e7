import { describe, expect, it } from 'vitest';
import { CheckpointGraph } from '../../../src-main/engine/hnsw/graph-search.js';
import { VectorSlab } from '../../../src-main/engine/hnsw/vector-slab.js';
import { testGraphLinks } from '../../helpers/graph-links.js';

/**
 * The greedy descent through the upper levels decides where level 0 starts, and on this graph
 * only the descent can reach the answer. Level 0 is two lines with no link between them: elements
 * 0–4 at x = 0–4 and elements 5–9 at x = 10–14. Level 1 holds elements 0 (the entry point), 1 and
 * 7: 0 links to 1 and 7, each of them back to 0. A query near x = 13 must move from 0 to 7 on
 * level 1 (the last neighbour in 0's list) and then find element 8 on level 0; staying in the
 * first line would give element 4. The nearest element of each query is known by construction.
 */
const COUNT = 10;
const DIM = 4;
const xOf = (id: number) => (id < 5 ? id : id + 5);
const labelOf = (id: number) => 500 + id;

function graph(inSlab: boolean): CheckpointGraph {
  const maxM0 = 2;
  const maxM = 2;
  const level0 = new Uint32Array(COUNT * (maxM0 + 1));
  for (let id = 0; id < COUNT; id++) {
    const line = id < 5 ? [0, 4] : [5, 9];
    const neighbours = [id - 1, id + 1].filter((j) => j >= line[0]! && j <= line[1]!);
    level0[id * (maxM0 + 1)] = neighbours.length;
    neighbours.forEach((j, k) => (level0[id * (maxM0 + 1) + 1 + k] = j));
  }
  const levels = new Uint16Array(COUNT);
  const upperStart = new Int32Array(COUNT).fill(-1);
  const blocks: [number, number[]][] = [
    [0, [1, 7]],
    [1, [0]],
    [7, [0]],
  ];
  const upper = new Uint32Array(blocks.length * (maxM + 1));
  blocks.forEach(([id, list], b) => {
    levels[id] = 1;
    upperStart[id] = b * (maxM + 1);
    upper[b * (maxM + 1)] = list.length;
    list.forEach((j, k) => (upper[b * (maxM + 1) + 1 + k] = j));
  });
  const vectorOf = (id: number) => Float32Array.of(xOf(id), 0, 0, 0);
  const slab = new VectorSlab('l2', DIM, 4);
  const extra = new Float32Array(COUNT * DIM);
  const vectorAt = new Int32Array(COUNT);
  for (let id = 0; id < COUNT; id++) {
    if (inSlab) {
      slab.put(labelOf(id), vectorOf(id), null);
      vectorAt[id] = slab.slotOf(labelOf(id))!;
    } else {
      extra.set(vectorOf(id), id * DIM);
      vectorAt[id] = -(id + 1);
    }
  }
  const links = testGraphLinks({
    count: COUNT,
    maxLevel: 1,
    maxM0,
    maxM,
    level0,
    levels,
    upperStart,
    upper,
    labels: Float64Array.from({ length: COUNT }, (_, id) => labelOf(id)),
    vectorAt,
    extra,
  });
  return new CheckpointGraph(links, () => slab.storage(), DIM, 'l2', (q) => slab.queryDistance(q), (q) => slab.queryBatch(q));
}

describe('the descent through the upper levels', () => {
  for (const inSlab of [false, true]) {
    it(`moves to the closest neighbour on each level, whichever place it has in the list${inSlab ? ' (slab vectors, batched distances)' : ''}`, () => {
      const g = graph(inSlab);
      const all = (id: number) => id >= 0;
      // Near x = 13: only through element 7 on level 1.
      expect(g.search(Float32Array.of(13.25, 0, 0, 0), 1, 1, all)).toEqual([{ label: labelOf(8), distance: 0.0625 }]);
      // Near x = 3: element 1 is the closer level-1 neighbour; level 0 walks on to element 3.
      expect(g.search(Float32Array.of(3.25, 0, 0, 0), 1, 1, all)).toEqual([{ label: labelOf(3), distance: 0.0625 }]);
      // Near x = 10: element 7 (x = 12) beats element 1 (x = 1); level 0 then walks down to 5.
      expect(g.search(Float32Array.of(10.5, 0, 0, 0), 2, 2, all).map((h) => h.label)).toEqual([labelOf(5), labelOf(6)]);
    });
  }
});
