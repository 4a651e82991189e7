import { describe, expect, it } from 'vitest';
import { forkDistance } from '../../../src-main/engine/hnsw/fork-distance.js';
import { CheckpointGraph } from '../../../src-main/engine/hnsw/graph-search.js';
import { keptReachabilitySteps, rowsInMemory } from '../../../src-main/engine/hnsw/reachable-walk.js';
import { VectorSlab } from '../../../src-main/engine/hnsw/vector-slab.js';
import { runSteps } from '../../../src-main/engine/util/steps.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testGraphLinks, withRowsInFile } from '../../helpers/graph-links.js';

// What a graph keeps from its first exhaustive walk (reachable-walk.ts), against reachability found
// independently: breadth-first over Sets, forwards and over reversed links.

let seed = 77;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0), seed / 4294967296);
const below = (n: number) => Math.floor(rand() * n);

/** Level-0 rows (count, neighbours) with `maxM0` slots, from lists. */
function rowsOf(lists: number[][], maxM0: number): Uint32Array {
  const rows = new Uint32Array(lists.length * (maxM0 + 1));
  lists.forEach((list, id) => {
    rows[id * (maxM0 + 1)] = list.length;
    list.forEach((to, j) => (rows[id * (maxM0 + 1) + 1 + j] = to));
  });
  return rows;
}

/** Every node reachable from `start` along `lists`. */
function reachableFrom(lists: number[][], start: number): Set<number> {
  const seen = new Set([start]);
  for (const queue = [start]; queue.length > 0; ) {
    for (const to of lists[queue.shift()!]!) {
      if (seen.has(to)) continue;
      seen.add(to);
      queue.push(to);
    }
  }
  return seen;
}

/** Random lists: out-degree 1 to maxM0, some nodes linked to by none, some with only a self-link. */
function randomLists(count: number, maxM0: number): number[][] {
  return Array.from({ length: count }, (_, id) => (rand() < 0.04 ? [id] : Array.from({ length: 1 + below(maxM0) }, () => below(count))));
}

describe('what a graph keeps from its first exhaustive walk', () => {
  it('is exactly what the root reaches, and the reachable nodes that reach the root, from rows in memory or in the file', () => {
    let notBack = 0;
    const dir = mkdtempSync(join(tmpdir(), 'reachable-walk-'));
    for (let t = 0; t < 30; t++) {
      const count = 50 + below(800);
      const maxM0 = [2, 4, 8][t % 3]!;
      const lists = randomLists(count, maxM0);
      const reversed: number[][] = Array.from({ length: count }, () => []);
      lists.forEach((list, id) => list.forEach((to) => reversed[to]!.push(id)));
      const root = below(count);
      const rows = rowsOf(lists, maxM0);
      const kept = runSteps(keptReachabilitySteps(rowsInMemory(rows, maxM0 + 1, count), root, 1 + below(40)));
      if (!kept) throw new Error(`graph ${t}: the sweeps did not settle`);
      // From data_level0.bin, in runs read one after another: the same.
      const inFile = withRowsInFile(testGraphLinks({ count, maxM0, level0: rows, labels: new Float64Array(count), vectorAt: new Int32Array(count), extra: new Float32Array(0) }), dir);
      const fromFile = runSteps(keptReachabilitySteps(inFile.level0File!.rowSource(), root, 1 + below(40)));
      if (!fromFile) throw new Error(`graph ${t}: the sweeps over the file did not complete what the root reaches`);
      expect(fromFile.from, `graph ${t} from the file`).toEqual(kept.from);
      const forwards = reachableFrom(lists, root);
      const backwards = reachableFrom(reversed, root);
      expect(kept.reachable).toBe(forwards.size);
      for (let id = 0; id < count; id++) {
        expect(kept.from[id], `graph ${t} node ${id} reachable`).toBe(forwards.has(id) ? 1 : 0);
        expect(kept.to[id], `graph ${t} node ${id} reaches the root`).toBe(forwards.has(id) && backwards.has(id) ? 1 : 0);
        expect(kept.covers(id)).toBe(forwards.has(id) && backwards.has(id));
        // From the file, sweeps complete `from` (few single reads), leaving fewer for `to`: never wrong, maybe short.
        if (fromFile.to[id] === 1) expect(forwards.has(id) && backwards.has(id), `graph ${t} node ${id} from the file`).toBe(true);
        if (forwards.has(id) && !backwards.has(id)) notBack++;
      }
    }
    rmSync(dir, { recursive: true, force: true });
    // Reachable nodes that cannot reach back were there to be told apart.
    expect(notBack).toBeGreaterThan(20);
  });

  for (const rowsIn of ['memory', 'file'] as const) {
    it(`answers later exhaustive walks from entry points it covers, and walks from the others (rows in ${rowsIn})`, () => {
      // A ring of 200 (each also linked two ahead); node 3 links to a sink (200: only itself); an
      // island (201) links into the ring and nothing links to it.
      const count = 202;
      const maxM0 = 4;
      const lists = Array.from({ length: count }, (_, id) => (id < 200 ? [(id + 1) % 200, (id + 2) % 200] : id === 200 ? [200] : [7, 150]));
      lists[3]!.push(200);
      const dim = 6;
      const vectors = Array.from({ length: count }, () => Float32Array.from({ length: dim }, () => rand() * 2 - 1));
      const labels = Float64Array.from({ length: count }, (_, id) => 1000 + id);
      const slab = new VectorSlab('l2', dim, 16);
      vectors.forEach((v, id) => slab.put(labels[id]!, v, null));
      const inMemory = testGraphLinks({ count, maxM0, level0: rowsOf(lists, maxM0), labels, vectorAt: Int32Array.from({ length: count }, (_, id) => id), extra: new Float32Array(0) });
      const dir = mkdtempSync(join(tmpdir(), 'reachable-walk-'));
      const links = rowsIn === 'file' ? withRowsInFile(inMemory, dir) : inMemory;
      const graph = new CheckpointGraph(links, () => slab.storage(), dim, 'l2', (q) => slab.queryDistance(q), (q) => slab.queryBatch(q));
      const distance = forkDistance('l2', dim);
      const admitted = (id: number) => id % 9 === 0 || id >= 200;
      const expected = (q: Float32Array, ep: number, k: number) =>
        [...reachableFrom(lists, ep)]
          .filter(admitted)
          .map((id) => ({ label: labels[id]!, distance: distance(q, vectors[id]!, 0) }))
          .sort((a, b) => a.distance - b.distance || a.label - b.label)
          .slice(0, k);
      const howMany = Array.from({ length: count }, (_, id) => id).filter(admitted).length;
      // The entry point is level 0's here: set it for each search (the graph reads it when it searches).
      const search = (ep: number, k: number) => {
        (links as { entryPoint: number }).entryPoint = ep;
        const q = Float32Array.from({ length: dim }, () => rand() * 2 - 1);
        expect(graph.search(q, k, howMany + 5, admitted, howMany), `from ${ep}`).toEqual(expected(q, ep, k));
      };
      try {
        // From the sink first: what it reaches is too small a corner to keep, but what the sweeps
        // learnt is exactly what it reaches: the answer, with no other pass and no table walk.
        search(200, 3);
        expect([graph.reachWalks, graph.keptWalks, graph.tableWalks], 'a corner: not kept, answered from what was learnt').toEqual([1, 0, 0]);
        const [reached, tables] = [graph.reachWalks, graph.tableWalks];
        search(10, 5);
        expect([graph.reachWalks - reached, graph.keptWalks], 'the ring: learnt, kept, and it covers its root').toEqual([1, 1]);
        for (const ep of [0, 57, 199, 3]) search(ep, 1 + below(8));
        expect(graph.keptWalks, 'ring nodes: covered').toBe(5);
        // The sink is reachable from the ring but reaches only itself; the island is reached by nothing.
        search(200, 3);
        search(201, 30);
        expect(graph.keptWalks, 'sink and island: walked').toBe(5);
        expect([graph.reachWalks - reached, graph.tableWalks - tables]).toEqual([7, 0]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
