import type { Metadata } from '../../../shared/models.js';
import type { RemoteHits, RemoteRecords } from './chroma-http.js';
import type { ExpectedCollection, ExpectedQuery } from './expected-answers.js';

/** Chroma answers distances in float32; ours are computed from the same float32 vectors. */
const near = (a: number, b: number) => a === b || Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a), Math.abs(b));

/** JSON with object keys sorted: Chroma returns metadata keys in no fixed order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Chroma answers `{}` or null for a record without metadata, depending on the release. */
const metadataOf = (m: Metadata | null | undefined) => (m && Object.keys(m).length > 0 ? canonical(m) : 'none');
const show = (s: string | null | undefined, max = 60) => (s == null ? 'none' : JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s));
const list = (ids: readonly string[]) => `[${ids.join(', ')}]`;

/** Differences between Chroma's `get` of the sampled ids and the original's records. */
export function compareRecords(where: string, expected: ExpectedCollection, got: RemoteRecords): string[] {
  const out: string[] = [];
  const at = new Map(got.ids.map((id, i) => [id, i]));
  for (const r of expected.sample) {
    const i = at.get(r.id);
    if (i === undefined) {
      out.push(`${where}: record ${JSON.stringify(r.id)} is missing`);
      continue;
    }
    const document = got.documents?.[i] ?? null;
    if (document !== r.document) out.push(`${where}: record ${JSON.stringify(r.id)} has document ${show(document)}, the original ${show(r.document)}`);
    const theirs = metadataOf(got.metadatas?.[i]);
    const ours = metadataOf(r.metadata);
    if (theirs !== ours) out.push(`${where}: record ${JSON.stringify(r.id)} has metadata ${theirs}, the original ${ours}`);
  }
  return out;
}

/** How many results to ask for so that `k` remain once the skipped ids are left out. */
export const widthOf = (q: ExpectedQuery, count: number | null) => Math.min(count ?? Infinity, q.k + q.skip.size);

/**
 * Chroma's HNSW answer may miss a true neighbour: the vectors of a WAL tail go into its in-memory
 * graph in parallel, so which ones a search reaches varies from run to run. Such an answer still
 * shows the same vectors: every id it shares with the exact answer has the exact distance, at
 * most one in ten (at least one) is missed, and whatever stands in its place is no closer than
 * the exact k-th neighbour. A changed or lost vector breaks one of these.
 */
function approximateOfExact(q: ExpectedQuery, kept: { id: string; d: number | undefined }[]): boolean {
  const exact = new Map<string, number>();
  q.accept[0]?.forEach((id, i) => {
    if (!q.skip.has(id) && q.distances[i] !== undefined) exact.set(id, q.distances[i]!);
  });
  if (exact.size === 0 || kept.length !== Math.min(q.k, exact.size)) return false;
  const kth = Math.max(...exact.values());
  let missed = exact.size;
  for (const h of kept) {
    if (h.d === undefined) return false;
    const d = exact.get(h.id);
    if (d === undefined) {
      if (h.d < kth && !near(h.d, kth)) return false;
      continue;
    }
    if (!near(h.d, d)) return false;
    missed--;
  }
  return missed <= Math.max(1, Math.floor(q.k / 10));
}

/**
 * Null when Chroma's answer to a query agrees with the original: the same ids as one of the
 * accepted answers, or ties reordered (the exact neighbours' distances, in order).
 */
export function compareQuery(where: string, q: ExpectedQuery, got: RemoteHits): string | null {
  const kept = got.ids.map((id, i) => ({ id, d: got.distances[i] })).filter((h) => !q.skip.has(h.id)).slice(0, q.k);
  const ids = kept.map((h) => h.id);
  const accepted = q.accept.map((a) => a.filter((id) => !q.skip.has(id)).slice(0, q.k));
  if (accepted.some((a) => a.length === ids.length && a.every((id, i) => id === ids[i]))) return null;
  const tiesOnly = kept.length === q.distances.length && kept.every((h, i) => h.d !== undefined && near(h.d, q.distances[i]!));
  if (tiesOnly) return null;
  if (approximateOfExact(q, kept)) return null;
  return `${where}: the nearest neighbours of ${JSON.stringify(q.by)}'s vector are ${list(ids)}, the original's ${list(accepted[0] ?? [])}`;
}
