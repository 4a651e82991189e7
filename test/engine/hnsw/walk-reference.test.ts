import { describe, expect, it } from 'vitest';
import { forkDistance, rankedDistance } from '../../../src-main/engine/hnsw/fork-distance.js';
import type { GraphLinks } from '../../../src-main/engine/hnsw/graph-links.js';
import { CheckpointGraph, distanceTablePlan, FLT_MAX } from '../../../src-main/engine/hnsw/graph-search.js';
import { PairHeap } from '../../../src-main/engine/hnsw/pair-heap.js';
import { VectorSlab } from '../../../src-main/engine/hnsw/vector-slab.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testGraphLinks, withRowsInFile } from '../../helpers/graph-links.js';

/**
 * Walks that stop early, against a reference written from hnswlib's searchKnn with a filter
 * functor, as plainly as it reads: greedy descent, then one level-0 loop that computes each
 * distance when it reaches the element. Whether the walk reads distances from a table built first,
 * one built midway, or none (graph-search.ts distanceTablePlan), the answer must be the
 * reference's. Small ef and k make the fork's stop rule fire, so pruning and stopping are tested,
 * not only exhaustive walks. (The reference's queues are PairHeap, libstdc++'s heap moves, which
 * decide ties; Chroma's recorded answers check those.)
 *
 * Random graphs: level-0 lists with repeated neighbours and self-links, two upper levels, two
 * private vectors (vectorAt < 0), duplicated vectors, and vectors of -1/0/1 components for ties.
 */
let seed = 4242;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0), seed / 4294967296);
const below = (n: number) => Math.floor(rand() * n);

interface RandomGraph {
  graph: CheckpointGraph;
  /** The same graph, its level-0 rows read from a data_level0.bin written in `dir` (hnsw/level0-file.ts). */
  graphReadingRowsFrom: (dir: string) => CheckpointGraph;
  links: GraphLinks;
  vectors: Float32Array[];
  space: 'l2' | 'ip';
  dim: number;
}

function randomGraph(space: 'l2' | 'ip', count: number, dim: number, maxM0: number, coarse: boolean): RandomGraph {
  const maxM = maxM0 / 2;
  const vector = () => Float32Array.from({ length: dim }, () => (coarse ? below(3) - 1 : rand() * 2 - 1));
  const vectors: Float32Array[] = [];
  for (let id = 0; id < count; id++) vectors.push(id > 0 && rand() < 0.05 ? vectors[below(id)]!.slice() : vector());
  const labels = Float64Array.from({ length: count }, (_, id) => 1 + ((id * 7919) % (count * 3)));
  const slab = new VectorSlab(space, dim, 16);
  for (let id = 0; id < count; id++) slab.put(labels[id]!, vectors[id]!, null);
  const extra: number[] = [];
  const vectorAt = new Int32Array(count);
  for (let id = 0; id < count; id++) {
    // Two private vectors: they split the slab's run in three (still long enough for a table).
    if (id === Math.floor(count / 3) || id === Math.floor((2 * count) / 3)) {
      extra.push(...vectors[id]!);
      vectorAt[id] = -(extra.length / dim);
    } else {
      vectorAt[id] = slab.slotOf(labels[id]!)!;
    }
  }
  const level0 = new Uint32Array(count * (maxM0 + 1));
  for (let id = 0; id < count; id++) {
    const row = id * (maxM0 + 1);
    const n = 1 + below(maxM0);
    level0[row] = n;
    for (let j = 1; j <= n; j++) level0[row + j] = rand() < 0.05 ? id : rand() < 0.05 && j > 1 ? level0[row + j - 1]! : below(count);
  }
  const levels = new Uint16Array(count);
  const onLevel: number[][] = [[], [], []];
  for (let id = 0; id < count; id++) {
    levels[id] = id === 0 ? 2 : rand() < 0.04 ? 2 : rand() < 0.15 ? 1 : 0;
    for (let level = 1; level <= levels[id]!; level++) onLevel[level]!.push(id);
  }
  const upperStart = new Int32Array(count).fill(-1);
  const upper: number[] = [];
  for (let id = 0; id < count; id++) {
    if (levels[id] === 0) continue;
    upperStart[id] = upper.length;
    for (let level = 1; level <= levels[id]!; level++) {
      const pool = onLevel[level]!;
      const n = below(maxM + 1);
      upper.push(n);
      for (let j = 0; j < maxM; j++) upper.push(j < n ? pool[below(pool.length)]! : 0);
    }
  }
  const links = testGraphLinks({
    count,
    maxLevel: 2,
    maxM0,
    maxM,
    level0,
    levels,
    upperStart,
    upper: Uint32Array.from(upper),
    labels,
    vectorAt,
    extra: Float32Array.from(extra),
  });
  const graph = new CheckpointGraph(links, () => slab.storage(), dim, space, (q) => slab.queryDistance(q), (q) => slab.queryBatch(q));
  const graphReadingRowsFrom = (dir: string) => new CheckpointGraph(withRowsInFile(links, dir), () => slab.storage(), dim, space, (q) => slab.queryDistance(q), (q) => slab.queryBatch(q));
  return { graph, links, vectors, space, dim, graphReadingRowsFrom };
}

/** hnswlib's searchKnn with a filter functor, distances computed where the walk goes. */
function referenceSearch(r: RandomGraph, q: Float32Array, k: number, efSearch: number, collect: (id: number) => boolean) {
  const g = r.links;
  const distance = forkDistance(r.space, r.dim);
  const dist = (id: number) => distance(q, r.vectors[id]!, 0);
  const rankKey = (id: number, d: number) => rankedDistance(d, r.vectors[id]!, 0, r.dim);
  let cur = g.entryPoint;
  let curDist = dist(cur);
  for (let level = g.maxLevel; level > 0; level--) {
    for (let changed = true; changed; ) {
      changed = false;
      if (g.levels[cur]! < level) break;
      const at = g.upperStart[cur]! + (level - 1) * (g.maxM + 1);
      for (let j = 1; j <= g.upper[at]!; j++) {
        const d = dist(g.upper[at + j]!);
        if (d < curDist) [curDist, cur, changed] = [d, g.upper[at + j]!, true];
      }
    }
  }
  const ef = Math.max(efSearch, k);
  const top = new PairHeap();
  const candidates = new PairHeap();
  const visited = new Set<number>([cur]);
  const entryKey = collect(cur) ? rankKey(cur, dist(cur)) : null;
  let lowerBound = entryKey ?? FLT_MAX;
  if (entryKey !== null) top.push(entryKey, cur);
  candidates.push(-lowerBound, cur);
  while (candidates.size > 0) {
    if (-candidates.topKey() > lowerBound && top.size === ef) break;
    const node = candidates.topId();
    candidates.pop();
    const row = node * (g.maxM0 + 1);
    for (let j = 1; j <= g.level0[row]!; j++) {
      const cand = g.level0[row + j]!;
      if (visited.has(cand)) continue;
      visited.add(cand);
      const d = dist(cand);
      if (top.size < ef || lowerBound > d) {
        candidates.push(-d, cand);
        const key = collect(cand) ? rankKey(cand, d) : null;
        if (key !== null) top.push(key, cand);
        if (top.size > ef) top.pop();
        if (top.size > 0) lowerBound = top.topKey();
      }
    }
  }
  while (top.size > k) top.pop();
  const hits: { label: number; distance: number }[] = [];
  for (; top.size > 0; top.pop()) hits.push({ label: g.labels[top.topId()]!, distance: top.topKey() });
  return hits.sort((a, b) => a.distance - b.distance || a.label - b.label);
}

/** Test graph `t`: l2 or ip, of dimension 3 to 16 and maxM0 4 to 16, every third with coarse vectors (ties); and queries like its vectors. */
function graphCase(t: number) {
  const dim = [3, 8, 13, 16][t % 4]!;
  const coarse = t % 3 === 0;
  const r = randomGraph(t % 2 === 0 ? 'l2' : 'ip', 400 + below(2000), dim, [4, 8, 16][t % 3]!, coarse);
  return { r, query: () => Float32Array.from({ length: dim }, () => (coarse ? below(3) - 1 : rand() * 2 - 1)) };
}

/** Query `n` of a graph case: a query, a filter admitting one element in 1, 3, 12 or 40, k, ef, and the reference walk's answer. */
function walkCase(r: RandomGraph, query: () => Float32Array, n: number) {
  const q = query();
  const every = [1, 3, 12, 40][n % 4]!;
  const collect = (id: number) => r.links.vectorAt[id]! >= 0 && id % every === 0;
  const k = 1 + below(12);
  const ef = 1 + below(30);
  return { q, every, collect, k, ef, want: referenceSearch(r, q, k, ef, collect) };
}

describe('level-0 walks that stop early', () => {
  it("give the reference walk's answer with a table built first, midway, or none", () => {
    let cases = 0;
    let stoppedEarly = 0;
    let midwayTables = 0;
    let midwayWalks = 0;
    let reachability = 0;
    let ties = 0;
    for (let t = 0; t < 32; t++) {
      const { r, query } = graphCase(t);
      for (let n = 0; n < 10; n++) {
        // Every element, or one in 3, 12 or 40 (spread through the graph: ids are unrelated to vectors).
        const { q, collect, k, ef, want } = walkCase(r, query, n);
        let admitted = 0;
        for (let id = 0; id < r.links.count; id++) if (collect(id)) admitted++;
        // `admitted` as told: a table first, midway or none, as distanceTablePlan decides; then
        // forced: 0 (a table first) and ∞ (none).
        const plan = distanceTablePlan(admitted, Math.max(ef, k), r.links.maxM0);
        let tablesBefore = r.graph.tableWalks;
        expect(r.graph.search(q, k, ef, collect, admitted), `graph ${t} query ${n}, plan ${plan}`).toEqual(want);
        if (plan === 'midway') {
          midwayWalks++;
          midwayTables += r.graph.tableWalks - tablesBefore;
        }
        // Told none are admitted: counted, an exhaustive walk is answered from reachability unless
        // ties at the k cut make the walk's order matter; any other walk goes over a table.
        tablesBefore = r.graph.tableWalks;
        const [reachedBefore, tiesBefore] = [r.graph.reachWalks, r.graph.reachTies];
        expect(r.graph.search(q, k, ef, collect, 0), `graph ${t} query ${n}, table first`).toEqual(want);
        const [tables, reached] = [r.graph.tableWalks - tablesBefore, r.graph.reachWalks - reachedBefore];
        expect(tables + reached, `graph ${t} query ${n}: a table or reachability`).toBe(1);
        expect(reached, `graph ${t} query ${n}: from reachability when fewer than ef are admitted`).toBe(admitted < Math.max(ef, k) && r.graph.reachTies === tiesBefore ? 1 : 0);
        reachability += reached;
        ties += r.graph.reachTies - tiesBefore;
        expect(r.graph.search(q, k, ef, collect, Infinity), `graph ${t} query ${n}, no table`).toEqual(want);
        const exhaustive = referenceSearch(r, q, k, r.links.count + 1, collect);
        if (JSON.stringify(exhaustive) !== JSON.stringify(want)) stoppedEarly++;
        cases++;
      }
    }
    // The stop rule changed many answers, and many midway walks did switch to a table.
    expect(stoppedEarly).toBeGreaterThan(cases / 4);
    expect(midwayWalks).toBeGreaterThan(cases / 8);
    console.info(`[walks] ${cases} cases, ${stoppedEarly} stopped early, ${midwayWalks} midway, ${midwayTables} switched`);
    expect(midwayTables).toBeGreaterThan(midwayWalks / 3);
    console.info(`[walks] told none are admitted: ${reachability} from reachability, ${ties} walked for ties at the cut`);
  });

  it("give the reference walk's answer when fewer than ef are admitted: from reachability, or walked for ties at the k cut, in one piece or in steps", () => {
    const dir = mkdtempSync(join(tmpdir(), 'walk-reference-'));
    let reachability = 0;
    let ties = 0;
    let kept = 0;
    try {
      for (let t = 0; t < 24; t++) {
        const { r, query } = graphCase(t);
        const inFile = r.graphReadingRowsFrom(dir);
        const scratch = r.graph.newScratch();
        for (let n = 0; n < 8; n++) {
          const q = query();
          const every = [3, 12, 40][n % 3]!;
          // Some elements unreachable: level-0 lists are random, so a few have no way in.
          const collect = (id: number) => r.links.vectorAt[id]! >= 0 && id % every === 0;
          let admitted = 0;
          for (let id = 0; id < r.links.count; id++) if (collect(id)) admitted++;
          const ef = admitted + 1 + below(10);
          const k = 1 + below(Math.min(12, admitted + 2));
          const want = referenceSearch(r, q, k, ef, collect);
          const [reachedBefore, tiesBefore, keptBefore] = [r.graph.reachWalks, r.graph.reachTies, r.graph.keptWalks];
          expect(r.graph.search(q, k, ef, collect, admitted), `graph ${t} query ${n}`).toEqual(want);
          kept += r.graph.keptWalks - keptBefore;
          reachability += r.graph.reachWalks - reachedBefore;
          ties += r.graph.reachTies - tiesBefore;
          expect(r.graph.reachWalks - reachedBefore + r.graph.reachTies - tiesBefore, 'from reachability or given up on ties').toBe(1);
          expect(inFile.search(q, k, ef, collect, admitted), `graph ${t} query ${n}, rows in the file`).toEqual(want);
          // In steps of 1 to 50 neighbours, with another search between two steps.
          const steps = r.graph.searchSteps(q, k, ef, collect, admitted, scratch, 1 + below(50));
          let result = steps.next();
          for (; !result.done; result = steps.next()) r.graph.search(query(), 1 + below(5), 1 + below(20), (id) => id % 2 === 0, Infinity);
          expect(result.value, `graph ${t} query ${n}, in steps`).toEqual(want);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    console.info(`[walks] fewer than ef admitted: ${reachability} from reachability (${kept} from what the graph kept), ${ties} walked for ties at the cut`);
    expect(reachability).toBeGreaterThan(100);
    expect(kept).toBeGreaterThan(50);
    expect(ties).toBeGreaterThan(5);
  });

  it("give the reference walk's answer in small steps on a walk state of their own, with other searches between the steps", () => {
    let paused = 0;
    // Stepped walks that switched to a table midway.
    let switched = 0;
    for (let t = 0; t < 12; t++) {
      const { r, query } = graphCase(t);
      const scratch = r.graph.newScratch();
      for (let n = 0; n < 8; n++) {
        const { q, every, collect, k, ef, want } = walkCase(r, query, n);
        // A table first, midway or none (admitted 0, as counted, ∞), in steps of 1 to 50 units of work.
        for (const admitted of [0, Math.ceil(r.links.count / every), Infinity]) {
          const steps = r.graph.searchSteps(q, k, ef, collect, admitted, scratch, 1 + below(50));
          // Tables or exhaustive walks answered from reachability (either is "a table first" here).
          const tablesBefore = r.graph.tableWalks + r.graph.reachWalks;
          let tablesBetween = 0;
          let result = steps.next();
          for (; !result.done; result = steps.next()) {
            paused++;
            // Another search between two steps, on the graph's own state, kernels and table (half of them build one).
            const withTable = below(2) === 0;
            r.graph.search(query(), 1 + below(5), 1 + below(20), (id) => id % 2 === 0, withTable ? 0 : Infinity);
            if (withTable) tablesBetween++;
          }
          expect(result.value, `graph ${t} query ${n}, admitted ${admitted}`).toEqual(want);
          const ownTables = r.graph.tableWalks + r.graph.reachWalks - tablesBefore - tablesBetween;
          if (admitted === 0) expect(ownTables, 'a table first').toBe(1);
          if (admitted === Infinity) expect(ownTables, 'no table').toBe(0);
          if (admitted !== 0 && admitted !== Infinity) switched += ownTables;
        }
      }
    }
    expect(paused).toBeGreaterThan(1000);
    expect(switched).toBeGreaterThan(3);
  });

  it("give the reference walk's answer with the level-0 rows read from data_level0.bin, with a table first, midway, or none", () => {
    const dir = mkdtempSync(join(tmpdir(), 'walk-reference-'));
    let tables = 0;
    try {
      for (let t = 0; t < 12; t++) {
        const { r, query } = graphCase(t);
        const graph = r.graphReadingRowsFrom(dir);
        for (let n = 0; n < 8; n++) {
          const { q, every, collect, k, ef, want } = walkCase(r, query, n);
          const before = graph.tableWalks;
          for (const admitted of [0, Math.ceil(r.links.count / every), Infinity]) {
            expect(graph.search(q, k, ef, collect, admitted), `graph ${t} query ${n}, admitted ${admitted}`).toEqual(want);
          }
          tables += graph.tableWalks - before;
        }
        expect(graph.links.level0File!.rowsRead).toBeGreaterThan(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(tables).toBeGreaterThan(12 * 8);
  });
});
