import type { Space } from '../../../shared/models.js';
import { sameTypedValue, type TypedMetadata, type TypedScalar, type TypedValue } from '../../engine/util/typed-value.js';
import { spaceOf } from './collection-spec.js';
import type { CollectionSpec, CopyReader, CopyRecord, QueryHits, VerificationResult } from './copy-types.js';

const K = 10;

/**
 * Distances are float32 on both sides, computed from the same float32 vectors; what may differ
 * is the order of the float operations (SIMD width), so "equal" allows a few float32 ulps.
 */
const near = (a: number, b: number) => a === b || Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(a), Math.abs(b));

const show = (v: unknown) => {
  const s = typeof v === 'bigint' ? `${v}` : JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 60)}…` : s;
};
const scalarText = (s: TypedScalar) => `${s.kind} ${show(s.value)}`;
const valueText = (v: TypedValue) => (v.kind === 'array' ? `${v.elementKind}[] [${v.items.map((s) => show(s.value)).join(', ')}]` : scalarText(v));

/** Differences of metadata, types included (a float 2.0 that came back an int 2 is one). */
function metadataDifferences(where: string, a: TypedMetadata | null, b: TypedMetadata | null): string[] {
  const out: string[] = [];
  const theirs = b ?? new Map<string, TypedValue>();
  for (const [key, v] of a ?? []) {
    const w = theirs.get(key);
    if (!w) out.push(`${where}: metadata key ${show(key)} (${valueText(v)}) is missing`);
    else if (!sameTypedValue(v, w)) out.push(`${where}: metadata key ${show(key)} is ${valueText(v)} in the source, ${valueText(w)} in the target`);
  }
  for (const [key, w] of theirs) if (!a?.has(key)) out.push(`${where}: metadata key ${show(key)} (${valueText(w)}) is not in the source`);
  return out;
}

/**
 * Embeddings must be equal at float32, except in cosine space: Chroma stores a unit vector and
 * the norm there and `get` answers their product rounded to float32, so a vector that went
 * through Chroma once may come back a float32 ulp or two away (never more than 1e-6 of its norm).
 */
function embeddingDifference(where: string, a: Float32Array | null, b: Float32Array | null, space: Space): string | null {
  if (!a || !b) return a === b ? null : `${where}: embedding ${a ? 'missing in the target' : 'present only in the target'}`;
  if (a.length !== b.length) return `${where}: embedding has ${a.length} dimensions in the source, ${b.length} in the target`;
  let tolerance = 0;
  if (space === 'cosine') {
    let sum = 0;
    for (let i = 0; i < a.length; i++) sum += a[i]! * a[i]!;
    tolerance = 1e-6 * Math.sqrt(sum);
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && !(Math.abs(a[i]! - b[i]!) <= tolerance) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) {
      return `${where}: embedding differs at [${i}]: ${a[i]} in the source, ${b[i]} in the target`;
    }
  }
  return null;
}

/** Each sampled source record read back from the target and compared field by field. */
export function recordDifferences(sample: readonly CopyRecord[], got: readonly CopyRecord[], space: Space): string[] {
  const byId = new Map(got.map((r) => [r.id, r]));
  const out: string[] = [];
  for (const r of sample) {
    const where = `record ${show(r.id)}`;
    const t = byId.get(r.id);
    if (!t) {
      out.push(`${where} is missing in the target`);
      continue;
    }
    if (r.document !== t.document) out.push(`${where}: document ${show(r.document)} in the source, ${show(t.document)} in the target`);
    if (r.uri !== t.uri) out.push(`${where}: uri ${show(r.uri)} in the source, ${show(t.uri)} in the target`);
    out.push(...metadataDifferences(where, r.metadata, t.metadata));
    const e = embeddingDifference(where, r.embedding, t.embedding, space);
    if (e) out.push(e);
  }
  return out;
}

/**
 * One query answered by both sides. HNSW is approximate and its graph differs per build, so the
 * answers need not be identical: every id both return must have the same distance, and at most
 * one in ten (at least one) of the source's neighbours may be missing from the target's answer.
 * An id swapped for another at the same distance (a tie) is not a miss.
 */
export function compareHits(where: string, a: QueryHits, b: QueryHits, k: number): { recall: number; difference: string | null } {
  const theirs = new Map(b.ids.map((id, i) => [id, b.distances[i]!]));
  let shared = 0;
  const unmatched: number[] = [];
  for (let i = 0; i < a.ids.length; i++) {
    const d = theirs.get(a.ids[i]!);
    if (d === undefined) {
      unmatched.push(a.distances[i]!);
      continue;
    }
    shared++;
    if (!near(a.distances[i]!, d)) return { recall: shared / a.ids.length, difference: `${where}: ${show(a.ids[i])} is at distance ${a.distances[i]} in the source, ${d} in the target` };
  }
  const extra = b.ids.filter((id) => !a.ids.includes(id)).map((id) => theirs.get(id)!);
  let misses = 0;
  for (const d of unmatched) {
    const tie = extra.findIndex((x) => near(x, d));
    if (tie >= 0) extra.splice(tie, 1);
    else misses++;
  }
  // Recall counts a neighbour the target swapped for another at the same distance (a tie) as found.
  const recall = a.ids.length === 0 ? 1 : (a.ids.length - misses) / a.ids.length;
  if (a.ids.length !== b.ids.length) return { recall, difference: `${where}: ${a.ids.length} results from the source, ${b.ids.length} from the target` };
  if (misses > Math.max(1, Math.floor(k / 10))) return { recall, difference: `${where}: the target misses ${misses} of the source's ${a.ids.length} nearest neighbours` };
  return { recall, difference: null };
}

/**
 * The end of a copy: counts on both sides, the sample compared in full (ids, documents, uris,
 * metadata with types, embeddings at float32), and stored vectors of the sample run as queries
 * (k = 10) on both sides.
 */
export async function verifyCopy(
  src: CopyReader,
  dst: CopyReader,
  from: CollectionSpec,
  into: CollectionSpec,
  sample: readonly CopyRecord[],
  queries: number,
): Promise<VerificationResult> {
  const sourceCount = await src.count(from);
  const targetCount = await dst.count(into);
  const sampleDifferences = sample.length > 0 ? recordDifferences(sample, await dst.readIds(into, sample.map((r) => r.id)), spaceOf(from.configuration)) : [];
  const probes = sample.filter((r) => r.embedding).slice(0, queries);
  const k = Math.min(K, sourceCount);
  const queryDifferences: string[] = [];
  let recall: number | null = null;
  if (probes.length > 0 && k > 0) {
    const embeddings = probes.map((r) => r.embedding!);
    try {
      const [a, b] = [await src.query(from, embeddings, k), await dst.query(into, embeddings, k)];
      let sum = 0;
      probes.forEach((p, q) => {
        const r = compareHits(`query with the vector of ${show(p.id)}`, a[q] ?? { ids: [], distances: [] }, b[q] ?? { ids: [], distances: [] }, k);
        sum += r.recall;
        if (r.difference) queryDifferences.push(r.difference);
      });
      recall = sum / probes.length;
    } catch (err) {
      queryDifferences.push(`the sample queries failed: ${(err as Error).message}`);
    }
  }
  return {
    ok: sourceCount === targetCount && sampleDifferences.length === 0 && queryDifferences.length === 0,
    sourceCount,
    targetCount,
    sampled: sample.length,
    sampleDifferences,
    queries: recall === null ? 0 : probes.length,
    recall,
    queryDifferences,
  };
}
