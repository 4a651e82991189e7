import type { EmbeddingMap, MapColors } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import { KIND_BOOL, KIND_FLOAT, KIND_INT, KIND_STRING } from '../filter/execute-bitset.js';
import { eachMapValue, NO_VALUE } from './map-values.js';
import { normalizeQuery } from '../hnsw/vector-math.js';
import { reportLoad } from '../util/load-progress.js';
import { pcaSteps, type Pca } from './pca.js';
import { runSteps, type Steps } from '../util/steps.js';

/** Points drawn at most; above this a uniform sample, and the map says so. */
export const MAX_MAP_POINTS = 1_000_000;
/** Vectors the axes are fitted on (a uniform sample): enough for two stable axes. */
const FIT_ROWS = 20_000;
/** Categories coloured by name; the rest share one colour. */
const MAX_CATEGORIES = 12;

interface Built {
  map: EmbeddingMap;
  labels: number[];
  basis: Pca;
  /** Maps a projected coordinate to the [-1, 1] square the map draws in. */
  scale: { cx: number; cy: number; half: number };
}

// Per reader: a folder that changes gets new readers, so a cached map never outlives its data.
const cache = new WeakMap<CollectionReader, Built>();
// The points of a map this reader has not made (mapIds on another engine of a pool), kept so
// each hovered point does not list every label again.
const pointsCache = new WeakMap<CollectionReader, { maxPoints: number; all: number; labels: number[] }>();

/**
 * A 2-D map of a collection's vectors by PCA (docs/embedding-map.md): the axes fitted on a uniform
 * sample, every live vector (or a uniform sample of MAX_MAP_POINTS) projected, coordinates scaled
 * into [-1, 1]. Cosine collections are mapped as the unit vectors their distances compare.
 */
export function embeddingMap(reader: CollectionReader, maxPoints = MAX_MAP_POINTS): EmbeddingMap {
  return build(reader, maxPoints).map;
}

/** Points projected per step (util/steps.ts). */
const POINTS_PER_STEP = 65_536;

function build(reader: CollectionReader, maxPoints: number): Built {
  return runSteps(buildSteps(reader, maxPoints));
}

/**
 * The map of embeddingMap, built as steps and kept for the calls that follow (the map itself,
 * projections, colours): a caller whose thread serves others builds it ahead in slices
 * (ahead/calls-ahead.ts), with the vectors loaded.
 */
export function* embeddingMapSteps(reader: CollectionReader, maxPoints = MAX_MAP_POINTS): Steps<EmbeddingMap> {
  return (yield* buildSteps(reader, maxPoints)).map;
}

function* buildSteps(reader: CollectionReader, maxPoints: number): Steps<Built> {
  const hit = cache.get(reader);
  if (hit && hit.map.maxPoints === maxPoints) return hit;
  if (reader.dimension === null) throw new InspectorError('INVALID_ARGUMENT', `collection "${reader.catalog.name}" has no vectors to map`);
  const vectors = reader.vectors();
  const slab = vectors.slab;
  const dim = slab.dim;
  const { all, labels } = yield* pointsOfSteps(reader, maxPoints);
  const store = slab.storage();
  const rowOf = (label: number) => slab.slotOf(label)! * dim;
  const fit = labels.length > FIT_ROWS ? uniformSample(labels, FIT_ROWS) : labels;
  const fitData = new Float32Array(fit.length * dim);
  fit.forEach((l, r) => fitData.set(store.subarray(rowOf(l), rowOf(l) + dim), r * dim));
  reportLoad(0, labels.length, 'Fitting the map axes');
  const basis = yield* pcaSteps(fitData, fit.length, dim);
  const raw = new Float32Array(labels.length * 2);
  for (let p = 0; p < labels.length; p++) {
    const [x, y] = project(store, rowOf(labels[p]!), basis);
    raw[2 * p] = x;
    raw[2 * p + 1] = y;
    if (p % POINTS_PER_STEP === POINTS_PER_STEP - 1) {
      reportLoad(p + 1, labels.length, 'Projecting the vectors');
      yield;
    }
  }
  const { xy, scale } = scaleIntoSquare(raw);
  const ids: string[] = [];
  for (let p = 0; p < labels.length; p += POINTS_PER_STEP) {
    yield;
    for (const l of labels.slice(p, p + POINTS_PER_STEP)) ids.push(vectors.idOf(l)!);
  }
  const map: EmbeddingMap = {
    method: 'pca',
    total: all,
    count: labels.length,
    sampled: labels.length < all,
    maxPoints,
    explained: basis.explained,
    xy: Buffer.from(xy.buffer, xy.byteOffset, xy.byteLength).toString('base64'),
    ids,
  };
  const built = { map, labels, basis, scale };
  cache.set(reader, built);
  return built;
}

/**
 * The PCA map's points in order, as labels: every live vector, or a uniform sample of maxPoints.
 * Known without projecting anything, and the same on every engine (the map is deterministic), so
 * an engine that did not make the map answers for its points as the one that did.
 */
export function mapLabels(reader: CollectionReader, maxPoints = MAX_MAP_POINTS): number[] {
  const built = cache.get(reader);
  return built && built.map.maxPoints === maxPoints ? built.labels : pointsOf(reader, maxPoints).labels;
}

function pointsOf(reader: CollectionReader, maxPoints: number): { all: number; labels: number[] } {
  return runSteps(pointsOfSteps(reader, maxPoints));
}

function* pointsOfSteps(reader: CollectionReader, maxPoints: number): Steps<{ all: number; labels: number[] }> {
  const hit = pointsCache.get(reader);
  if (hit && hit.maxPoints === maxPoints) return hit;
  const all: number[] = [];
  // By label, not slab order (VectorSlab.labelsAscending): the same records map alike in any build of them.
  for (const label of reader.vectors().slab.labelsAscending()) {
    if (all.push(label) % POINTS_PER_STEP === 0) yield;
  }
  const points = { maxPoints, all: all.length, labels: all.length > maxPoints ? uniformSample(all, maxPoints) : all };
  pointsCache.set(reader, points);
  return points;
}

/**
 * x, y pairs centred and scaled into [-1, 1] (5 % margin, one scale for both axes so distances
 * keep their proportions); a non-finite coordinate goes to the centre.
 */
export function scaleIntoSquare(raw: Float32Array): { xy: Float32Array; scale: { cx: number; cy: number; half: number } } {
  let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let p = 0; p < raw.length / 2; p++) {
    const [x, y] = [raw[2 * p]!, raw[2 * p + 1]!];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const scale = { cx: (minX + maxX) / 2 || 0, cy: (minY + maxY) / 2 || 0, half: Math.max(maxX - minX, maxY - minY, 1e-12) / 2 / 0.95 };
  const xy = new Float32Array(raw.length);
  for (let p = 0; p < raw.length / 2; p++) {
    const [x, y] = [raw[2 * p]!, raw[2 * p + 1]!];
    const finite = Number.isFinite(x) && Number.isFinite(y);
    xy[2 * p] = finite ? (x - scale.cx) / scale.half : 0;
    xy[2 * p + 1] = finite ? (y - scale.cy) / scale.half : 0;
  }
  return { xy, scale };
}

function project(store: Float32Array, base: number, basis: Pca): [number, number] {
  let x = 0;
  let y = 0;
  const [a, b] = basis.axes;
  for (let i = 0; i < basis.mean.length; i++) {
    const v = store[base + i]! - basis.mean[i]!;
    x += v * a[i]!;
    y += v * b[i]!;
  }
  return [x, y];
}

/** Where a query vector falls on the collection's map (in the map's [-1, 1] coordinates). */
export function projectOnMap(reader: CollectionReader, vector: readonly number[], maxPoints = MAX_MAP_POINTS): [number, number] {
  const built = build(reader, maxPoints);
  if (vector.length !== built.basis.mean.length) {
    throw new InspectorError('DIMENSION_MISMATCH', `the map's vectors have dimension ${built.basis.mean.length}, the query ${vector.length}`);
  }
  const q = Float32Array.from(vector);
  const stored = reader.params.space === 'cosine' ? normalizeQuery(q) : q;
  const [x, y] = project(stored, 0, built.basis);
  return [(x - built.scale.cx) / built.scale.half, (y - built.scale.cy) / built.scale.half];
}

/**
 * Colours for the map by a metadata key: the top categories of a string or bool key by count (the
 * rest as "other"), or a number key scaled into [0, 1]. -1: the record has no value for the key.
 * Values are what `get` returns: the metadata segment's, with the WAL tail replayed over it.
 */
export function mapColors(reader: CollectionReader, key: string, maxPoints = MAX_MAP_POINTS): MapColors {
  // The map's points, not its projection: a pool engine that did not draw the map fits no axes.
  return colorsFor(reader, { labels: mapLabels(reader, maxPoints) }, key);
}

/** Colours for the points `built.labels` (a PCA map's or a UMAP layout's), by a metadata key. */
export function colorsFor(reader: CollectionReader, built: { labels: number[] }, key: string): MapColors {
  const values = new Float64Array(built.labels.length).fill(-1);
  const pointOf = pointsByLabel(built.labels);
  // The ranges and counts are over every record with the key, so a sample is coloured as the whole.
  let [lo, hi] = [Infinity, -Infinity];
  let numeric = true;
  eachMapValue(reader, key, (_label, kind, num) => {
    if (kind === KIND_INT || kind === KIND_FLOAT) {
      // A NaN or infinite float has no place on the scale: it shows as no value.
      if (Number.isFinite(num)) [lo, hi] = [Math.min(lo, num), Math.max(hi, num)];
    } else if (kind !== NO_VALUE) numeric = false;
  });
  if (numeric && lo <= hi) {
    eachMapValue(reader, key, (label, kind, num) => {
      const p = pointOf.get(label);
      if (p !== undefined && kind !== NO_VALUE && Number.isFinite(num)) values[p] = hi > lo ? (num - lo) / (hi - lo) : 0.5;
    });
    return { key, kind: 'number', min: lo, max: hi, categories: [], values: Array.from(values) };
  }
  const text = (kind: number, num: number, str: string | undefined) => (kind === KIND_STRING ? str! : kind === KIND_BOOL ? String(num === 1) : kind === NO_VALUE ? null : String(num));
  const counts = new Map<string, number>();
  eachMapValue(reader, key, (_label, kind, num, str) => {
    const t = text(kind, num, str);
    if (t !== null) counts.set(t, (counts.get(t) ?? 0) + 1);
  });
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([t]) => t);
  const categories = ranked.slice(0, MAX_CATEGORIES);
  if (ranked.length > MAX_CATEGORIES) categories.push('(other)');
  const index = new Map(categories.map((c, i) => [c, i]));
  eachMapValue(reader, key, (label, kind, num, str) => {
    const t = text(kind, num, str);
    const p = pointOf.get(label);
    if (t !== null && p !== undefined) values[p] = index.get(t) ?? MAX_CATEGORIES;
  });
  return { key, kind: 'category', categories, values: Array.from(values) };
}

/** Point index by label (labels are dense, 1 … total added: a typed table unless they are not). */
function pointsByLabel(labels: number[]): { get(label: number): number | undefined } {
  let maxLabel = 0;
  for (const l of labels) if (l > maxLabel) maxLabel = l;
  if (maxLabel > 16 * labels.length + (1 << 20)) return new Map(labels.map((l, p) => [l, p]));
  // Point index + 1, so 0 means "not on the map".
  const pointByLabel = new Int32Array(maxLabel + 1);
  labels.forEach((l, p) => (pointByLabel[l] = p + 1));
  return { get: (label) => (label >= 0 && label <= maxLabel && pointByLabel[label]! > 0 ? pointByLabel[label]! - 1 : undefined) };
}

/** `n` of `items`, evenly spaced (a uniform, deterministic sample). */
export function uniformSample(items: number[], n: number): number[] {
  const step = items.length / n;
  return Array.from({ length: n }, (_, i) => items[Math.floor(i * step)]!);
}
