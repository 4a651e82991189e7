import type { CollectionDiff, SettingChange } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import type { DiffRecord, DiffSettings } from './diff-source.js';
import { changedKeys, sameTypedMetadata, typedMetadataText } from './typed-equal.js';

/** Records compared per batch: two reads of this many ids at a time, never a whole collection. */
export const DIFF_BATCH = 500;

/**
 * The one place two collections' records are compared (docs/diff.md), whichever sides they come
 * from, so a folder and a server holding the same data diff as equal: the ids of both sides are
 * given up front, then the records of the ids in both, a batch at a time; counts are exact and
 * each list is capped at `limit`.
 */
export class CollectionComparer {
  /** The ids on both sides, in side a's order: what `compare` must be given, in batches. */
  readonly common: string[];
  private readonly out: CollectionDiff;
  private driftSum = 0;
  private driftMax = 0;

  constructor(
    b: { name: string; tenant: string; database: string },
    settings: SettingChange[],
    idsA: readonly string[],
    idsB: readonly string[],
    private readonly limit: number,
    /** Both sides index in cosine space: vectors equal within Chroma's own round trip are the same. */
    private readonly cosine = false,
  ) {
    const inB = new Set(idsB);
    const inA = new Set(idsA);
    const added = idsB.filter((id) => !inA.has(id));
    const removed = idsA.filter((id) => !inB.has(id));
    this.common = idsA.filter((id) => inB.has(id));
    this.out = {
      name: b.name,
      tenant: b.tenant,
      database: b.database,
      settings,
      counts: { a: idsA.length, b: idsB.length, added: added.length, removed: removed.length, documents: 0, metadata: 0, embeddings: 0, unchanged: 0 },
      added: added.slice(0, limit),
      removed: removed.slice(0, limit),
      documents: [],
      metadata: [],
      embeddings: [],
      drift: null,
    };
  }

  /** One batch of common ids with both sides' records of them. */
  compare(ids: readonly string[], ra: ReadonlyMap<string, DiffRecord>, rb: ReadonlyMap<string, DiffRecord>): void {
    const { out, limit } = this;
    for (const id of ids) {
      const x = ra.get(id);
      const y = rb.get(id);
      // A side written to while the diff reads it (a running server) can lose an id between the reads.
      if (!x || !y) throw new InspectorError('NOT_FOUND', `Record ${JSON.stringify(id)} of ${out.name} disappeared from side ${x ? 'b' : 'a'} while the diff read it; run the diff again`, { id });
      let same = true;
      if (x.document !== y.document) {
        same = false;
        if (out.counts.documents++ < limit) out.documents.push({ id, a: x.document, b: y.document });
      }
      if (!sameTypedMetadata(x.metadata, y.metadata) || x.uri !== y.uri) {
        same = false;
        const keys = changedKeys(x.metadata, y.metadata);
        if (out.counts.metadata++ < limit) out.metadata.push({ id, keys: x.uri !== y.uri ? [...keys, '(uri)'] : keys });
      }
      const [ea, eb] = [x.embedding, y.embedding];
      if (!sameVector(ea, eb, this.cosine)) {
        same = false;
        const drift = ea && eb && ea.length === eb.length ? cosineDistance(ea, eb) : null;
        if (drift !== null) {
          this.driftSum += drift;
          this.driftMax = Math.max(this.driftMax, drift);
        }
        if (out.counts.embeddings++ < limit) out.embeddings.push({ id, cosineDistance: drift, dimensions: [ea?.length ?? null, eb?.length ?? null] });
      }
      if (same) out.counts.unchanged++;
    }
  }

  finish(): CollectionDiff {
    const out = this.out;
    // The largest drifts first: what a person looks at.
    out.embeddings.sort((p, q) => (q.cosineDistance ?? Infinity) - (p.cosineDistance ?? Infinity));
    if (out.counts.embeddings > 0) out.drift = { mean: this.driftSum / out.counts.embeddings, max: this.driftMax };
    return out;
  }
}

export function settingChanges(a: DiffSettings, b: DiffSettings): SettingChange[] {
  const out: SettingChange[] = [];
  const add = (setting: string, x: unknown, y: unknown) => {
    const [sx, sy] = [canonicalJson(x ?? null), canonicalJson(y ?? null)];
    if (sx !== sy) out.push({ setting, a: sx, b: sy });
  };
  add('dimension', a.dimension, b.dimension);
  add('space', a.space, b.space);
  add('M', a.maxNeighbors, b.maxNeighbors);
  add('construction_ef', a.efConstruction, b.efConstruction);
  add('search_ef', a.efSearch, b.efSearch);
  add('embedding function', a.embeddingFunction, b.embeddingFunction);
  if (!sameTypedMetadata(a.metadata, b.metadata)) out.push({ setting: 'collection metadata', a: typedMetadataText(a.metadata), b: typedMetadataText(b.metadata) });
  return out;
}

/** JSON with object keys sorted: a folder's stored JSON and a server's answer may order them differently. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0))) : v,
  );
}

/**
 * Float32, bit for bit, except in cosine space: Chroma stores a unit vector and the norm there,
 * and `get` answers their product rounded to float32, so one vector read from a WAL row and from
 * a compacted index (a folder and the server serving a copy of it) can be a float32 ulp or two
 * apart: within 1e-6 of its norm counts as the same (as a copy's verification counts it).
 */
function sameVector(x: Float32Array | null, y: Float32Array | null, cosine: boolean): boolean {
  if (x === null || y === null) return x === y;
  if (x.length !== y.length) return false;
  let tolerance = -1;
  for (let i = 0; i < x.length; i++) {
    if (Object.is(x[i], y[i])) continue;
    if (!cosine) return false;
    if (tolerance < 0) tolerance = 1e-6 * Math.sqrt(x.reduce((s, v) => s + v * v, 0));
    if (!(Math.abs(x[i]! - y[i]!) <= tolerance)) return false;
  }
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
