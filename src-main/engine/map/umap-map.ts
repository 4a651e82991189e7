import type { EmbeddingMap } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import { HnswlibIndex } from '../hnsw/hnswlib-index.js';
import type { SearchHit } from '../hnsw/vector-index.js';
import { distanceFn, normalizeQuery } from '../hnsw/vector-math.js';
import { runUmap, type KnnGraph } from './umap-worker.js';
import { scaleIntoSquare, uniformSample } from './embedding-map.js';
import { nextTurn } from '../util/next-turn.js';

/** UMAP lays out at most this many points (a uniform sample above it; PCA shows them all). */
export const MAX_UMAP_POINTS = 50_000;
/** UMAP's n_neighbors (its default), the point itself included as in umap-learn. */
export const UMAP_NEIGHBOURS = 15;
const SEED = 1;
/** The neighbour search yields this often, so other calls on the engine get their turn. */
const SLICE_MS = 50;

export interface UmapBuilt {
  map: EmbeddingMap;
  labels: number[];
  /** The layout, scaled into [-1, 1]. */
  xy: Float32Array;
}

export interface UmapProgress {
  (done: number, total: number | null, message: string): void;
}

// Per reader (a changed folder gets new readers) and point limit.
const pending = new WeakMap<CollectionReader, Map<number, Promise<UmapBuilt>>>();
const done = new WeakMap<CollectionReader, Map<number, UmapBuilt>>();
const slot = <T>(m: WeakMap<CollectionReader, Map<number, T>>, reader: CollectionReader) => {
  let inner = m.get(reader);
  if (!inner) m.set(reader, (inner = new Map()));
  return inner;
};

/**
 * The collection's UMAP layout (docs/embedding-map.md), cached per reader like the PCA map. The
 * neighbour graph comes from HNSW: the collection's own index (graph and WAL tail, as queries
 * search it) when every point is laid out; over a sample, an index built on the sample, because
 * the collection's graph links mostly lead outside it. The optimisation runs in a worker.
 */
export function umapMap(reader: CollectionReader, signal: AbortSignal, progress: UmapProgress, maxPoints = MAX_UMAP_POINTS): Promise<UmapBuilt> {
  const ready = slot(done, reader).get(maxPoints);
  if (ready) return Promise.resolve(ready);
  const waiting = slot(pending, reader);
  let p = waiting.get(maxPoints);
  if (!p) {
    p = build(reader, signal, progress, maxPoints).then((b) => (slot(done, reader).set(maxPoints, b), b));
    waiting.set(maxPoints, p);
    // A cancelled or failed layout is not cached: the next call starts again.
    p.catch(() => waiting.delete(maxPoints));
  }
  return p;
}

/**
 * The points a UMAP layout has, in its order (every live vector, or the uniform sample): known
 * without the layout, so colours never wait for it (and any engine of a pool gives the same).
 */
export function umapLabels(reader: CollectionReader, maxPoints = MAX_UMAP_POINTS): number[] {
  const built = slot(done, reader).get(maxPoints);
  if (built) return built.labels;
  // By label, not slab order (VectorSlab.labelsAscending): the same records lay out alike in any build of them.
  const all = [...reader.vectors().slab.labelsAscending()];
  return all.length > maxPoints ? uniformSample(all, maxPoints) : all;
}

async function build(reader: CollectionReader, signal: AbortSignal, progress: UmapProgress, maxPoints: number): Promise<UmapBuilt> {
  if (reader.dimension === null) throw new InspectorError('INVALID_ARGUMENT', `collection "${reader.catalog.name}" has no vectors to map`);
  const state = reader.vectors({ forQuery: true });
  const slab = state.slab;
  const all = slab.size;
  if (all <= UMAP_NEIGHBOURS) throw new InspectorError('INVALID_ARGUMENT', `UMAP needs more than ${UMAP_NEIGHBOURS} vectors; this collection has ${all} (the PCA map shows them)`);
  const labels = umapLabels(reader, maxPoints);
  const sampled = labels.length < all;
  const vectorOf = (label: number) => slab.original(label) ?? (() => { throw new InspectorError('INTERNAL', `no vector for label ${label}`); })();
  let search: (q: Float32Array) => SearchHit[];
  if (sampled) {
    // A layout needs near neighbours, not Chroma's exact answers: a lighter graph and search
    // (ef 64 / 32 rather than 100 / 100) take a third of the time.
    const index = HnswlibIndex.create({ space: reader.params.space, dim: slab.dim, capacity: labels.length, efConstruction: 64, efSearch: 32 });
    await sliced(labels.length, signal, (i) => index.upsert(labels[i]!, vectorOf(labels[i]!)), (i) => progress(i, labels.length, 'Indexing the sample for its neighbours'));
    search = (q) => index.search(q, UMAP_NEIGHBOURS);
  } else {
    search = (q) => state.search(q, UMAP_NEIGHBOURS, null);
  }
  const graph = await neighbourGraph(labels, vectorOf, search, reader.params.space, signal, progress);
  const raw = await runUmap(graph, { seed: SEED, signal, progress: (d, t) => progress(d, t, 'Laying out (UMAP)') });
  const xy = scaleIntoSquare(raw).xy;
  const map: EmbeddingMap = {
    method: 'umap',
    total: all,
    count: labels.length,
    sampled,
    maxPoints,
    explained: [0, 0],
    xy: Buffer.from(xy.buffer, xy.byteOffset, xy.byteLength).toString('base64'),
    ids: labels.map((l) => state.idOf(l)!),
  };
  return { map, labels, xy };
}

/** Each point's UMAP_NEIGHBOURS nearest (itself first), as point indices and metric distances. */
async function neighbourGraph(labels: number[], vectorOf: (l: number) => Float32Array, search: (q: Float32Array) => SearchHit[], space: string, signal: AbortSignal, progress: UmapProgress): Promise<KnnGraph> {
  const k = UMAP_NEIGHBOURS;
  const pointOf = new Map(labels.map((l, i) => [l, i]));
  const indices = new Int32Array(labels.length * k);
  const distances = new Float32Array(labels.length * k);
  // UMAP wants a metric: Euclidean rather than Chroma's squared L2; 1 − cos and 1 − dot as they are (never below 0).
  const metric = space === 'l2' ? (d: number) => Math.sqrt(Math.max(0, d)) : (d: number) => Math.max(0, d);
  await sliced(
    labels.length,
    signal,
    (i) => {
      const hits = search(vectorOf(labels[i]!)).filter((h) => pointOf.has(h.label));
      // The point itself first (a duplicate vector may rank level with it), then the others.
      const own = hits.findIndex((h) => h.label === labels[i]);
      const ordered = own > 0 ? [hits[own]!, ...hits.slice(0, own), ...hits.slice(own + 1)] : own === 0 ? hits : [{ label: labels[i]!, distance: 0 }, ...hits];
      for (let j = 0; j < k; j++) {
        // Fewer hits than k (deleted neighbours): the farthest found stands in for the rest.
        const h = ordered[Math.min(j, ordered.length - 1)]!;
        indices[i * k + j] = pointOf.get(h.label)!;
        distances[i * k + j] = h.label === labels[i] ? 0 : metric(h.distance);
      }
    },
    (i) => progress(i, labels.length, 'Finding each point\'s neighbours (HNSW)'),
  );
  return { n: labels.length, k, indices, distances };
}

/** Runs `step` for 0 … n−1, yielding to the event loop every SLICE_MS and stopping on abort. */
async function sliced(n: number, signal: AbortSignal, step: (i: number) => void, report: (i: number) => void): Promise<void> {
  let start = Date.now();
  for (let i = 0; i < n; i++) {
    step(i);
    if (Date.now() - start > SLICE_MS) {
      report(i + 1);
      await nextTurn();
      if (signal.aborted) throw new InspectorError('CANCELLED', 'The UMAP layout was cancelled');
      start = Date.now();
    }
  }
  report(n);
}

/**
 * Where a query vector falls on the UMAP layout: among its nearest laid-out points, weighted by
 * closeness (what UMAP's own transform starts from; the layout is not re-optimised for it).
 */
export function projectOnUmap(reader: CollectionReader, built: UmapBuilt, vector: readonly number[]): [number, number] {
  const state = reader.vectors();
  if (vector.length !== state.slab.dim) throw new InspectorError('DIMENSION_MISMATCH', `the map's vectors have dimension ${state.slab.dim}, the query ${vector.length}`);
  const q = reader.params.space === 'cosine' ? normalizeQuery(Float32Array.from(vector)) : Float32Array.from(vector);
  const distance = distanceFn(reader.params.space);
  const near: { p: number; d: number }[] = [];
  built.labels.forEach((label, p) => {
    const v = state.slab.original(label);
    if (!v) return;
    const stored = reader.params.space === 'cosine' ? normalizeQuery(v) : v;
    near.push({ p, d: distance(q, stored) });
  });
  near.sort((a, b) => a.d - b.d);
  let [x, y, w] = [0, 0, 0];
  for (const { p, d } of near.slice(0, UMAP_NEIGHBOURS)) {
    const weight = 1 / (Math.max(0, d) + 1e-6);
    x += weight * built.xy[2 * p]!;
    y += weight * built.xy[2 * p + 1]!;
    w += weight;
  }
  return w > 0 ? [x / w, y / w] : [0, 0];
}
