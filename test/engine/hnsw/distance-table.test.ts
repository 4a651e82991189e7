import { describe, expect, it } from 'vitest';
import { forkDistance } from '../../../src-main/engine/hnsw/fork-distance.js';
import { CheckpointGraph, distanceTablePlan, exhaustiveTuning } from '../../../src-main/engine/hnsw/graph-search.js';
import { VectorSlab } from '../../../src-main/engine/hnsw/vector-slab.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { testGraphLinks, withRowsInFile } from '../../helpers/graph-links.js';

/**
 * A walk whose filter admits few elements reads its distances from a table of every element's
 * distance, by internal id, one streamed kernel call per run of ids whose vectors sit in
 * consecutive slab slots (graph-search.ts). Walks that stop early are checked against a
 * reference walk in walk-reference.test.ts. The answers are checked against brute force: when fewer than ef elements are
 * admitted (or ef exceeds the graph), the fork's stop rule never fires and the walk reaches every
 * element, so its answer is the exact top k by (distance, label) over the admitted ones. Such a
 * walk is answered from reachability alone (reachable-walk.ts) unless exhaustiveTuning says not.
 *
 * The graph: a ring (every element reachable) plus random links. Its vectors live in a slab whose
 * slots do not follow the ids: ids 0–499 sit in slots 500–999 and ids 500–999 in slots 0–499, and
 * a few elements keep private copies (vectorAt < 0), which split runs.
 */
const COUNT = 1000;
const DIM = 12;
const MAX_M0 = 8;
const PRIVATE = new Set([100, 101, 640, 999]);

let seed = 99;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0), seed / 4294967296);
const vector = () => Float32Array.from({ length: DIM }, () => rand() * 2 - 1);

interface Fixture {
  graph: CheckpointGraph;
  vectorOf: (id: number) => Float32Array;
  labels: Float64Array;
}

function fixture(slotOfId: (id: number) => number, rowsIn: 'memory' | 'file' = 'memory'): Fixture {
  const vectors = Array.from({ length: COUNT }, vector);
  const labels = Float64Array.from({ length: COUNT }, (_, id) => 10 + id * 3);
  const slab = new VectorSlab('l2', DIM, 16);
  const idAtSlot = new Map<number, number>();
  for (let id = 0; id < COUNT; id++) idAtSlot.set(slotOfId(id), id);
  for (let slot = 0; slot < COUNT; slot++) {
    const id = idAtSlot.get(slot)!;
    slab.put(labels[id]!, vectors[id]!, null);
  }
  const level0 = new Uint32Array(COUNT * (MAX_M0 + 1));
  for (let id = 0; id < COUNT; id++) {
    const row = id * (MAX_M0 + 1);
    const neighbours = [(id + 1) % COUNT, (id + COUNT - 1) % COUNT];
    while (neighbours.length < MAX_M0) neighbours.push(Math.floor(rand() * COUNT));
    level0[row] = neighbours.length;
    neighbours.forEach((j, k) => (level0[row + 1 + k] = j));
  }
  const extra = new Float32Array(PRIVATE.size * DIM);
  const vectorAt = new Int32Array(COUNT);
  let row = 0;
  for (let id = 0; id < COUNT; id++) {
    if (PRIVATE.has(id)) {
      extra.set(vectors[id]!, row * DIM);
      vectorAt[id] = -(++row);
    } else {
      vectorAt[id] = slab.slotOf(labels[id]!)!;
    }
  }
  const inMemory = testGraphLinks({ count: COUNT, maxM0: MAX_M0, level0, labels, vectorAt, extra });
  const links = rowsIn === 'file' ? withRowsInFile(inMemory, mkdtempSync(join(tmpdir(), 'distance-table-'))) : inMemory;
  const graph = new CheckpointGraph(links, () => slab.storage(), DIM, 'l2', (q) => slab.queryDistance(q), (q) => slab.queryBatch(q));
  return { graph, vectorOf: (id) => vectors[id]!, labels };
}

function bruteForce(f: Fixture, q: Float32Array, k: number, admit: (id: number) => boolean) {
  const distance = forkDistance('l2', DIM);
  const hits: { label: number; distance: number }[] = [];
  for (let id = 0; id < COUNT; id++) if (admit(id)) hits.push({ label: f.labels[id]!, distance: distance(q, f.vectorOf(id), 0) });
  return hits.sort((a, b) => a.distance - b.distance || a.label - b.label).slice(0, k);
}

const swapped = (id: number) => (id < COUNT / 2 ? id + COUNT / 2 : id - COUNT / 2);

describe('a walk over a distance table', () => {
  it('is built first when fewer than ef are admitted, midway up to maxM0 · ef, else never', () => {
    expect(distanceTablePlan(99, 100, 32)).toBe('first');
    expect(distanceTablePlan(100, 100, 32)).toBe('midway');
    expect(distanceTablePlan(3200, 100, 32)).toBe('midway');
    expect(distanceTablePlan(3201, 100, 32)).toBe('never');
    expect(distanceTablePlan(10_000, 1000, 32)).toBe('midway');
  });

  it('gives the exact answer when slots do not follow ids and some vectors are private copies', () => {
    const f = fixture(swapped);
    const few = (id: number) => id % 23 === 0 || PRIVATE.has(id);
    try {
      for (let t = 0; t < 20; t++) {
        const q = vector();
        const admitted = Array.from({ length: COUNT }, (_, id) => id).filter(few).length;
        // Exhaustive walks (fewer than ef admitted; unfiltered with ef above the graph's size),
        // answered from reachability, then walked over the table.
        exhaustiveTuning.fromReachability = t % 2 === 0;
        const [tables, reached] = [f.graph.tableWalks, f.graph.reachWalks];
        expect(f.graph.search(q, 10, 100, few, admitted)).toEqual(bruteForce(f, q, 10, few));
        expect(f.graph.search(q, 7, COUNT + 1, () => true, COUNT)).toEqual(bruteForce(f, q, 7, () => true));
        const how = exhaustiveTuning.fromReachability ? 'reachability' : 'table';
        expect([f.graph.tableWalks - tables, f.graph.reachWalks - reached], how).toEqual(how === 'table' ? [2, 0] : [0, 2]);
      }
    } finally {
      exhaustiveTuning.fromReachability = true;
    }
  });

  it('gives the exact answer with the level-0 rows read from data_level0.bin: in one pass for a walk over a table, a row per node without', () => {
    const f = fixture(swapped, 'file');
    const few = (id: number) => id % 23 === 0 || PRIVATE.has(id);
    const file = f.graph.links.level0File!;
    for (let t = 0; t < 10; t++) {
      const q = vector();
      const admitted = Array.from({ length: COUNT }, (_, id) => id).filter(few).length;
      const [tables, reached] = [f.graph.tableWalks, f.graph.reachWalks];
      let read = file.rowsRead;
      // An exhaustive walk answered from reachability: the first learns what the graph keeps in
      // sequential sweeps over the file (whole passes, no row read singly); the later ones, from
      // entry points it covers, read no row.
      expect(f.graph.search(q, 10, 100, few, admitted)).toEqual(bruteForce(f, q, 10, few));
      expect(f.graph.reachWalks, 'answered from reachability').toBe(reached + 1);
      const sweeps = (file.rowsRead - read) / COUNT;
      if (t === 0) expect(Number.isInteger(sweeps) && sweeps >= 1, `whole sweeps, not ${sweeps}`).toBe(true);
      else expect(sweeps, 'no pass').toBe(0);
      exhaustiveTuning.fromReachability = false;
      read = file.rowsRead;
      try {
        expect(f.graph.search(q, 10, 100, few, admitted)).toEqual(bruteForce(f, q, 10, few));
      } finally {
        exhaustiveTuning.fromReachability = true;
      }
      // Over a table: the rows in one pass over the file.
      expect(f.graph.tableWalks, 'the walk read its distances from the table').toBe(tables + 1);
      expect(file.rowsRead - read, 'one pass over the rows').toBe(COUNT);
      read = file.rowsRead;
      expect(f.graph.search(q, 10, 100, few, Infinity)).toEqual(bruteForce(f, q, 10, few));
      expect([f.graph.tableWalks, f.graph.reachWalks], 'no table, no reachability').toEqual([tables + 1, reached + 1]);
      // Without them, a read per node it expands (every one here: the walk is exhaustive).
      expect(file.rowsRead - read, 'a read per node').toBeGreaterThan(COUNT / 2);
    }
    rmSync(dirname(file.dataFile), { recursive: true, force: true });
  });

  it('computes distances where the walk goes when no table is expected to pay, with the same answers', () => {
    const f = fixture(swapped);
    const few = (id: number) => id % 23 === 0;
    for (let t = 0; t < 5; t++) {
      const q = vector();
      expect(f.graph.search(q, 10, 100, few, Infinity)).toEqual(bruteForce(f, q, 10, few));
    }
    expect(f.graph.tableWalks).toBe(0);
  });

  it('builds no table when the slots are scattered (runs too short to stream)', () => {
    // Slot = id · 7 mod COUNT: neighbouring ids never sit in neighbouring slots.
    const f = fixture((id) => (id * 7) % COUNT);
    const few = (id: number) => id % 31 === 0;
    const q = vector();
    expect(f.graph.search(q, 5, 100, few, 33)).toEqual(bruteForce(f, q, 5, few));
    expect(f.graph.tableWalks).toBe(0);
  });
});
