import type { Metadata } from '../../../shared/models.js';
import { ChromaFolder } from '../chroma-folder.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import { vectorCoverage } from '../collection/vector-coverage.js';
import { throwIfAborted } from '../backup/task.js';

/** Records whose document and metadata are compared, per collection. */
const SAMPLE_RECORDS = 20;
/** Sampled records whose stored vector is used as a query. */
export const SAMPLE_QUERIES = 3;
export const NEIGHBOURS = 10;

export interface Hit {
  id: string;
  distance: number;
}

export interface QueryFacts {
  /** The record whose stored vector is the query. */
  id: string;
  vector: number[];
  k: number;
  /** True nearest neighbours (brute force) among the vectors the folder can give. */
  exact: Hit[];
  /** What Chroma's way (its HNSW graph) answers, or the error it gives. */
  graph: Hit[] | string;
}

export interface SampleRecord {
  id: string;
  document: string | null;
  metadata: Metadata | null;
  uri: string | null;
}

/** What our engine sees of one collection: compared before and after the fixes. */
export interface CollectionFacts {
  id: string;
  tenant: string;
  database: string;
  name: string;
  count: number;
  ids: string[];
  sample: SampleRecord[];
  /** Each sampled record's vector as `get` returns it, or null when it has none the engine can use. */
  vectors: Map<string, Float32Array | null>;
  queries: QueryFacts[];
  vectorsMissing: number;
  missingSample: string[];
}

/** Up to `n` ids spread evenly over the list (first and last included). */
function spread(ids: readonly string[], n: number): string[] {
  if (ids.length <= n) return [...ids];
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(ids[Math.round((i * (ids.length - 1)) / (n - 1))]!);
  return [...new Set(out)];
}

export function hitsOf(result: { ids: string[][]; distances: number[][] }): Hit[] {
  return (result.ids[0] ?? []).map((id, i) => ({ id, distance: result.distances[0]?.[i] ?? NaN }));
}

/** The vector our engine holds for a record, as `get` would return it. */
export function vectorOf(reader: CollectionReader, id: string): Float32Array | null {
  if (reader.dimension === null) return null;
  const state = reader.vectors();
  const label = state.idToLabel.get(id);
  return label === undefined ? null : (state.slab.original(label) ?? null);
}

export function sampleRecords(folder: ChromaFolder, collectionId: string, ids: readonly string[]): SampleRecord[] {
  if (ids.length === 0) return [];
  const got = folder.get(collectionId, { ids: [...ids], include: ['documents', 'metadatas', 'uris'] });
  return got.ids.map((id, i) => ({ id, document: got.documents[i] ?? null, metadata: got.metadatas[i] ?? null, uri: got.uris[i] ?? null }));
}

/** The query by a stored vector, answered exactly and Chroma's way; partial answers allowed (damaged originals). */
export function runQueries(folder: ChromaFolder, collectionId: string, vector: number[], k: number): { exact: Hit[]; graph: Hit[] | string } {
  const args = { queryEmbeddings: [vector], nResults: k, include: ['distances'] };
  const exact = hitsOf(folder.query(collectionId, args, { exact: true, allowPartial: true }));
  let graph: Hit[] | string;
  try {
    graph = hitsOf(folder.query(collectionId, args, { allowPartial: true }));
  } catch (err) {
    graph = (err as Error).message;
  }
  return { exact, graph };
}

function collectionFacts(folder: ChromaFolder, reader: CollectionReader): CollectionFacts {
  const c = reader.catalog;
  const ids = folder.get(c.id, { include: [] }).ids;
  const sampleIds = spread(ids, SAMPLE_RECORDS);
  const vectors = new Map(sampleIds.map((id) => [id, vectorOf(reader, id)]));
  const queries: QueryFacts[] = [];
  const k = Math.min(NEIGHBOURS, ids.length);
  for (const id of sampleIds) {
    if (queries.length >= SAMPLE_QUERIES) break;
    const v = vectors.get(id);
    if (!v || !v.every(Number.isFinite)) continue;
    const vector = Array.from(v);
    try {
      queries.push({ id, vector, k, ...runQueries(folder, c.id, vector, k) });
    } catch {
      // The original cannot answer even partially (e.g. a dimension it cannot check): nothing to compare with.
    }
  }
  const coverage = reader.dimension === null ? null : vectorCoverage(reader);
  return {
    id: c.id,
    tenant: c.tenant,
    database: c.database,
    name: c.name,
    count: reader.count(),
    ids,
    sample: sampleRecords(folder, c.id, sampleIds),
    vectors,
    queries,
    vectorsMissing: coverage?.missing ?? 0,
    missingSample: coverage?.missingSample ?? [],
  };
}

/**
 * Reads, with the read engine, what the comparison needs of every collection of a folder: count
 * and ids, a spread sample's documents, metadata and vectors, and nearest-neighbour queries by a
 * few stored vectors. Taken on the snapshot before any fix, it is "the original" the repaired copy
 * is checked against (a live source may have moved on meanwhile).
 */
export function captureFacts(dir: string, signal?: AbortSignal, say?: (message: string) => void): Map<string, CollectionFacts> {
  const folder = ChromaFolder.open(dir);
  try {
    const out = new Map<string, CollectionFacts>();
    for (const reader of folder.collectionReaders()) {
      throwIfAborted(signal);
      say?.(`reading ${reader.catalog.tenant}/${reader.catalog.database}/${reader.catalog.name}`);
      out.set(reader.id, collectionFacts(folder, reader));
      reader.release();
    }
    return out;
  } finally {
    folder.close();
  }
}
