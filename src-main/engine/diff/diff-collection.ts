import type { CollectionDiff, SettingChange } from '../../../shared/models.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import { storedEmbeddingFunction } from '../catalog/embedding-function.js';
import { runGet, type MatchedRecord } from '../query/run-get.js';
import { reportLoad } from '../util/load-progress.js';
import { changedKeys, sameTypedMetadata, typedMetadataText } from './typed-equal.js';

/** Records compared per batch: two gets of this many ids at a time, never a whole collection. */
const BATCH = 500;

export interface DiffOptions {
  /** How many ids each list carries (the counts are always exact). */
  limit: number;
}

/**
 * What changed from collection `a` to collection `b` (docs/diff.md): settings (dimension, space,
 * HNSW parameters, embedding function, metadata), ids added and removed, and for the ids in both,
 * document, metadata (types included: 2 and 2.0 differ) and embedding changes, with each changed
 * embedding's cosine drift. Records are compared in batches of ids; vectors come from each side's
 * own state (checkpoint plus WAL tail), as a query would see them.
 */
export function diffCollection(a: CollectionReader, b: CollectionReader, opts: DiffOptions): CollectionDiff {
  const idsA = allIds(a);
  const idsB = allIds(b);
  const inB = new Set(idsB);
  const inA = new Set(idsA);
  const added = idsB.filter((id) => !inA.has(id));
  const removed = idsA.filter((id) => !inB.has(id));
  const common = idsA.filter((id) => inB.has(id));
  const out: CollectionDiff = {
    name: b.catalog.name,
    tenant: b.catalog.tenant,
    database: b.catalog.database,
    settings: settingChanges(a, b),
    counts: { a: idsA.length, b: idsB.length, added: added.length, removed: removed.length, documents: 0, metadata: 0, embeddings: 0, unchanged: 0 },
    added: added.slice(0, opts.limit),
    removed: removed.slice(0, opts.limit),
    documents: [],
    metadata: [],
    embeddings: [],
    drift: null,
  };
  const va = a.dimension !== null ? a.vectors() : null;
  const vb = b.dimension !== null ? b.vectors() : null;
  let driftSum = 0;
  let driftMax = 0;
  for (let i = 0; i < common.length; i += BATCH) {
    const ids = common.slice(i, i + BATCH);
    const ra = byId(a, ids);
    const rb = byId(b, ids);
    for (const id of ids) {
      const x = ra.get(id)!;
      const y = rb.get(id)!;
      let same = true;
      if (x.document !== y.document) {
        same = false;
        if (out.counts.documents++ < opts.limit) out.documents.push({ id, a: x.document, b: y.document });
      }
      if (!sameTypedMetadata(x.metadata, y.metadata) || x.uri !== y.uri) {
        same = false;
        if (out.counts.metadata++ < opts.limit) out.metadata.push({ id, keys: x.uri !== y.uri ? [...changedKeys(x.metadata, y.metadata), '(uri)'] : changedKeys(x.metadata, y.metadata) });
      }
      const ea = vectorOf(va, id);
      const eb = vectorOf(vb, id);
      if (!sameVector(ea, eb)) {
        same = false;
        const drift = ea && eb && ea.length === eb.length ? cosineDistance(ea, eb) : null;
        if (drift !== null) {
          driftSum += drift;
          driftMax = Math.max(driftMax, drift);
        }
        if (out.counts.embeddings++ < opts.limit) out.embeddings.push({ id, cosineDistance: drift, dimensions: [ea?.length ?? null, eb?.length ?? null] });
      }
      if (same) out.counts.unchanged++;
    }
    reportLoad(Math.min(i + BATCH, common.length), common.length, `Comparing ${b.catalog.name}`);
  }
  // The largest drifts first: what a person looks at.
  out.embeddings.sort((p, q) => (q.cosineDistance ?? Infinity) - (p.cosineDistance ?? Infinity));
  if (out.counts.embeddings > 0) out.drift = { mean: driftSum / out.counts.embeddings, max: driftMax };
  return out;
}

function allIds(r: CollectionReader): string[] {
  return runGet(r, { ids: null, where: null, whereDocument: null, limit: null, offset: 0, include: [] }, { withContents: false }).records.map((x) => x.id);
}

function byId(r: CollectionReader, ids: string[]): Map<string, MatchedRecord> {
  const got = runGet(r, { ids, where: null, whereDocument: null, limit: null, offset: 0, include: [] }, { withContents: true });
  return new Map(got.records.map((x) => [x.id, x]));
}

function vectorOf(v: ReturnType<CollectionReader['vectors']> | null, id: string): Float32Array | null {
  if (!v) return null;
  const label = v.idToLabel.get(id);
  return label === undefined ? null : (v.original(label) ?? null);
}

function sameVector(x: Float32Array | null, y: Float32Array | null): boolean {
  if (x === null || y === null) return x === y;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  return true;
}

function cosineDistance(x: Float32Array, y: Float32Array): number {
  let dot = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0; i < x.length; i++) {
    dot += x[i]! * y[i]!;
    xx += x[i]! * x[i]!;
    yy += y[i]! * y[i]!;
  }
  return xx === 0 || yy === 0 ? 1 : 1 - dot / Math.sqrt(xx * yy);
}

function settingChanges(a: CollectionReader, b: CollectionReader): SettingChange[] {
  const out: SettingChange[] = [];
  const add = (setting: string, x: unknown, y: unknown) => {
    const [sx, sy] = [JSON.stringify(x ?? null), JSON.stringify(y ?? null)];
    if (sx !== sy) out.push({ setting, a: sx, b: sy });
  };
  add('dimension', a.dimension, b.dimension);
  add('space', a.params.space, b.params.space);
  add('M', a.params.maxNeighbors, b.params.maxNeighbors);
  add('construction_ef', a.params.efConstruction, b.params.efConstruction);
  add('search_ef', a.params.efSearch, b.params.efSearch);
  add('embedding function', storedEmbeddingFunction(a.catalog), storedEmbeddingFunction(b.catalog));
  if (!sameTypedMetadata(a.catalog.metadata, b.catalog.metadata)) {
    out.push({ setting: 'collection metadata', a: typedMetadataText(a.catalog.metadata), b: typedMetadataText(b.catalog.metadata) });
  }
  return out;
}
