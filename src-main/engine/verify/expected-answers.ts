import type { Metadata } from '../../../shared/models.js';
import type { CollectionFacts, Hit } from '../repair/repair-facts.js';

/** A nearest-neighbour query by a stored vector and the answers that count as the same. */
export interface ExpectedQuery {
  /** The record whose vector is the query. */
  by: string;
  vector: number[];
  k: number;
  /** Answer id lists that agree with the original: its exact neighbours, its HNSW answer, … */
  accept: string[][];
  /** The exact neighbours' distances: an answer that only reorders ties has the same ones. */
  distances: number[];
  /** Ids left out of Chroma's answer before comparing (vectors the original could not give). */
  skip: ReadonlySet<string>;
}

/** What a collection of the original holds, as our engine reads it: what real Chroma must give. */
export interface ExpectedCollection {
  tenant: string;
  database: string;
  name: string;
  id: string;
  count: number | null;
  sample: { id: string; document: string | null; metadata: Metadata | null }[];
  queries: ExpectedQuery[];
}

const idsOf = (hits: readonly Hit[]) => hits.map((h) => h.id);

export interface FromFactsOptions {
  /** Per collection id: records whose vectors the repair recovered (absent from the original's answers). */
  recovered?: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * Per collection id: the collections whose HNSW graph was rebuilt, with our engine's graph answer
   * on the result per query record. Approximate search over a new graph may rank differently from
   * the original's; then real Chroma must agree with our reading of the result instead.
   */
  rebuiltAnswers?: ReadonlyMap<string, ReadonlyMap<string, string[]>>;
}

/**
 * The original's facts (repair/repair-facts.ts: taken by our engine on a snapshot of the source)
 * as expectations for real Chroma: the count, the sampled records' documents and metadata, and the
 * nearest neighbours of sampled stored vectors.
 */
export function expectationsFromFacts(facts: Iterable<CollectionFacts>, opts: FromFactsOptions = {}): ExpectedCollection[] {
  return [...facts].map((f) => {
    const skip = opts.recovered?.get(f.id) ?? new Set<string>();
    const rebuilt = opts.rebuiltAnswers?.get(f.id);
    return {
      tenant: f.tenant,
      database: f.database,
      name: f.name,
      id: f.id,
      count: f.count,
      sample: f.sample.map((r) => ({ id: r.id, document: r.document, metadata: r.metadata })),
      queries: f.queries.map((q) => {
        const accept = [idsOf(q.exact)];
        if (typeof q.graph !== 'string') accept.push(idsOf(q.graph));
        const mine = rebuilt?.get(q.id);
        if (mine) accept.push(mine);
        return { by: q.id, vector: q.vector, k: q.k, accept, distances: q.exact.map((h) => h.distance), skip };
      }),
    };
  });
}
