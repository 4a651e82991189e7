import type { RecallReport } from '../../../shared/models.js';

const GOOD = 0.98;
const TARGET = 0.95;
/** A distance contrast below this: the data has next to no neighbourhood structure. */
const LOW_CONTRAST = 1.15;

const pct = (r: number) => `${(100 * r).toFixed(1)}%`;

/**
 * Advice on hnsw:search_ef, M and construction_ef from a recall sweep, each with its reasoning.
 * ef_search can be changed on an existing collection; M and construction_ef are fixed when it is
 * created (Chroma's collection configuration), so a sparse graph means a new collection.
 */
export function recallAdvice(r: Omit<RecallReport, 'advice'>): string[] {
  const out: string[] = [];
  const { efSearch, maxNeighbors: m, efConstruction } = r.params;
  if (!r.graph) {
    out.push('There is no HNSW graph yet (every vector is still in the write-ahead log): Chroma answers these queries exactly, so recall is 100% until it builds one.');
    return out;
  }
  if (r.contrast !== null && r.contrast < LOW_CONTRAST) {
    out.push(
      `Nearest neighbours are barely nearer than records at random (distance contrast ${r.contrast.toFixed(2)}; structured embeddings are usually well above 1.5): ` +
        'the vectors look like noise at this dimension, so recall stays low whatever the index settings. Check the embedding model and its inputs before tuning the index.',
    );
  }
  const base = r.curve.find((p) => p.ef === efSearch)!;
  const best = r.curve.reduce((a, b) => (b.recall > a.recall ? b : a));
  if (r.recall >= GOOD) {
    out.push(`Recall@${r.k} is ${pct(r.recall)} at the collection's ef_search ${efSearch}: the graph finds what exact search finds. Nothing to change.`);
  } else {
    const enough = r.curve.find((p) => p.ef > efSearch && p.recall >= TARGET);
    if (enough) {
      const cost = base.meanQueryMs > 0 ? ` at about ${(enough.meanQueryMs / base.meanQueryMs).toFixed(1)}× the query time measured here` : '';
      out.push(
        `Recall@${r.k} is ${pct(r.recall)} at ef_search ${efSearch}. Raising ef_search to ${enough.ef} reaches ${pct(enough.recall)}${cost}. ` +
          `ef_search can be changed on this collection (collection.modify(configuration={"hnsw": {"ef_search": ${enough.ef}}})); a larger ef explores more of the graph per query.`,
      );
    }
    if (best.recall < TARGET) {
      out.push(
        `Even ef ${best.ef} reaches only ${pct(best.recall)}: the graph itself is too sparse to find these neighbours (M = ${m}, construction_ef = ${efConstruction}). ` +
          `Both are fixed when a collection is created: copy the records into a new collection with a larger M (e.g. ${Math.max(32, 2 * m)}) or construction_ef (e.g. ${Math.max(200, 2 * efConstruction)}).`,
      );
    }
  }
  if (r.k > efSearch) out.push(`k (${r.k}) is above ef_search (${efSearch}): Chroma searches with ef = k then, so larger k costs more per query and recalls better.`);
  const dup = r.flags.find((f) => f.kind === 'duplicates');
  if (dup && dup.count > r.records * 0.01) {
    out.push(`${dup.count} records repeat another's vector: identical vectors tie on every query and crowd out other results; de-duplicate before adding, or give near-duplicates distinct ids only if they differ.`);
  }
  const zero = r.flags.find((f) => f.kind === 'zero-norm');
  if (zero) out.push(`${zero.count} zero vector(s) usually mean a failed embedding call: re-embed those records.`);
  const far = r.flags.find((f) => f.kind === 'outliers-distance' || f.kind === 'outliers-norm');
  if (far) out.push(`${far.count} vector(s) lie far from the rest: check they came from the same model as the others (a model change shows up like this).`);
  return out;
}
