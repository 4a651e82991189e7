import type { FixCollectionCheck } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import { ChromaFolder } from '../chroma-folder.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import { vectorCoverage, vectorProblems } from '../collection/vector-coverage.js';
import { throwIfAborted } from '../backup/task.js';
import { NEIGHBOURS, SAMPLE_QUERIES, runQueries, sampleRecords, vectorOf, type CollectionFacts, type Hit } from './repair-facts.js';

/** Beyond this many recovered vectors the exact answers are not filtered back to the original's set. */
const MAX_RECOVERED_FILTER = 1000;

export interface VerifyContext {
  vectorsRewritten: ReadonlySet<string>;
  recovered: ReadonlyMap<string, ReadonlySet<string>>;
  /** The full-text index was rebuilt: sampled documents must be found by `$contains` of themselves. */
  ftsRebuilt: boolean;
  signal?: AbortSignal;
  say?: (message: string) => void;
}

function unverified(facts: CollectionFacts, problem: string): InspectorError {
  return new InspectorError(
    'INTERNAL',
    `the repaired copy does not match the original: collection ${facts.tenant}/${facts.database}/${facts.name}: ${problem}; nothing was written to the target`,
    { reason: 'fix.unverified', collectionId: facts.id },
  );
}

const near = (a: number, b: number) => a === b || Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
const sameHits = (a: readonly Hit[], b: readonly Hit[]) => a.length === b.length && a.every((h, i) => h.id === b[i]!.id && near(h.distance, b[i]!.distance));
const showHits = (hits: readonly Hit[]) => `[${hits.map((h) => h.id).join(', ')}]`;

function sameVector(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((x, i) => near(x, b[i]!) || (Number.isNaN(x) && Number.isNaN(b[i]!)));
}

function compareRecords(folder: ChromaFolder, facts: CollectionFacts, count: number): void {
  if (count !== facts.count) throw unverified(facts, `${count} records after the repair, ${facts.count} before`);
  const ids = folder.get(facts.id, { include: [] }).ids;
  const at = ids.findIndex((id, i) => id !== facts.ids[i]);
  if (ids.length !== facts.ids.length || at >= 0) {
    const i = at >= 0 ? at : Math.min(ids.length, facts.ids.length);
    throw unverified(facts, `the record ids differ at position ${i} (${JSON.stringify(facts.ids[i] ?? null)} before, ${JSON.stringify(ids[i] ?? null)} after)`);
  }
  const after = new Map(sampleRecords(folder, facts.id, facts.sample.map((r) => r.id)).map((r) => [r.id, r]));
  for (const before of facts.sample) {
    const got = after.get(before.id);
    if (JSON.stringify(got) !== JSON.stringify(before)) throw unverified(facts, `record ${JSON.stringify(before.id)} reads differently (document, metadata or uri)`);
  }
}

/** Sampled vectors must be the same; ones the original could not read may be back (recovered). Returns those. */
function compareVectors(reader: CollectionReader, facts: CollectionFacts, differences: string[]): Map<string, Float32Array> {
  const back = new Map<string, Float32Array>();
  for (const [id, before] of facts.vectors) {
    const after = vectorOf(reader, id);
    if (before && !after) throw unverified(facts, `record ${JSON.stringify(id)} lost its vector`);
    if (before && after && !sameVector(before, after)) throw unverified(facts, `the vector of record ${JSON.stringify(id)} changed`);
    if (!before && after) back.set(id, after);
  }
  if (back.size > 0) {
    const ids = [...back.keys()].slice(0, 3).map((id) => JSON.stringify(id));
    differences.push(`${back.size} sampled record(s) have a vector the original could not give (e.g. ${ids.join(', ')}): recovered by the repair`);
  }
  return back;
}

/**
 * Where the original had no usable vector to query with, the repaired index is checked on its own:
 * by recovered vectors, Chroma's way (the graph) beside the exact answer.
 */
function checkRecoveredQueries(folder: ChromaFolder, reader: CollectionReader, facts: CollectionFacts, count: number, back: Map<string, Float32Array>, differences: string[]): number {
  const selfNearest = reader.params.space !== 'ip';
  let run = 0;
  for (const [id, v] of back) {
    if (run >= SAMPLE_QUERIES) break;
    if (!v.every(Number.isFinite)) continue;
    const k = Math.min(NEIGHBOURS, count);
    const { exact, graph } = runQueries(folder, facts.id, Array.from(v), k);
    if (typeof graph === 'string') throw unverified(facts, `a query by the recovered vector of ${JSON.stringify(id)} fails: ${graph}`);
    // In l2 and cosine a stored vector is its own nearest neighbour (ties aside); in ip it need not be.
    if (selfNearest && !exact.some((h) => h.id === id) && !exact.every((h) => h.distance === exact[0]!.distance)) {
      throw unverified(facts, `the recovered vector of ${JSON.stringify(id)} is not its own nearest neighbour`);
    }
    if (!sameHits(exact, graph)) {
      differences.push(`query by the recovered vector of ${JSON.stringify(id)}: the rebuilt graph returns ${showHits(graph)}, the exact search ${showHits(exact)} (approximate search)`);
    }
    run++;
  }
  return run;
}

function compareQueries(folder: ChromaFolder, facts: CollectionFacts, count: number, ctx: VerifyContext, differences: string[]): number {
  const recovered = ctx.recovered.get(facts.id) ?? new Set<string>();
  const rewritten = ctx.vectorsRewritten.has(facts.id);
  let run = 0;
  for (const q of facts.queries) {
    // Recovered vectors may rank among the neighbours now: ask for more and leave them out.
    if (recovered.size > MAX_RECOVERED_FILTER) {
      differences.push(`query by the vector of ${JSON.stringify(q.id)}: not compared, ${recovered.size} vectors were recovered`);
      continue;
    }
    const wide = runQueries(folder, facts.id, q.vector, Math.min(count, q.k + recovered.size));
    const exact = wide.exact.filter((h) => !recovered.has(h.id)).slice(0, q.k);
    if (!sameHits(exact, q.exact)) {
      throw unverified(facts, `the nearest neighbours of ${JSON.stringify(q.id)}'s vector differ: ${showHits(q.exact)} before, ${showHits(exact)} after`);
    }
    if (recovered.size > 0 && wide.exact.slice(0, q.k).some((h) => recovered.has(h.id))) {
      differences.push(`query by the vector of ${JSON.stringify(q.id)}: recovered records now rank among the nearest neighbours`);
    }
    const graph = recovered.size > 0 ? runQueries(folder, facts.id, q.vector, q.k).graph : wide.graph;
    const same = typeof graph !== 'string' && typeof q.graph !== 'string' ? sameHits(graph, q.graph) : graph === q.graph;
    if (!same) {
      const show = (g: Hit[] | string) => (typeof g === 'string' ? `error "${g}"` : showHits(g));
      const line = `query by the vector of ${JSON.stringify(q.id)} through the HNSW graph: ${show(q.graph)} before, ${show(graph)} after`;
      // An untouched index answers from the very same files: any difference is a fault.
      if (!rewritten) throw unverified(facts, line);
      differences.push(`${line} (the graph was rebuilt and approximate search ranks differently; the exact neighbours are unchanged)`);
    }
    run++;
  }
  return run;
}

function checkFullText(folder: ChromaFolder, facts: CollectionFacts): void {
  for (const r of facts.sample) {
    if (!r.document) continue;
    const text = [...r.document].slice(0, 40).join('');
    const got = folder.get(facts.id, { ids: [r.id], whereDocument: { $contains: text }, include: [] }).ids;
    if (!got.includes(r.id)) throw unverified(facts, `the rebuilt full-text index does not find record ${JSON.stringify(r.id)} by its own document`);
  }
}

/**
 * Re-opens the repaired copy with the read engine and checks it against the original's facts
 * (taken before any fix): the same collections, counts and ids in order; the sampled records'
 * documents, metadata and vectors; the exact nearest neighbours of sampled stored vectors (records
 * whose vectors were recovered are left out, so on a damaged original the answers are compared over
 * what it could give); Chroma-way (graph) answers, identical unless the graph was rebuilt, when
 * the differences are reported with that reason; no more records without a vector than before;
 * and rewritten checkpoints that pass every check of docs/format.md §6.9. Throws on the first
 * fault, so a returned list means the copy is verified.
 */
export function verifyRepair(dir: string, before: ReadonlyMap<string, CollectionFacts>, ctx: VerifyContext): FixCollectionCheck[] {
  const folder = ChromaFolder.open(dir);
  try {
    const afterIds = new Set(folder.collectionReaders().map((r) => r.id));
    const checks: FixCollectionCheck[] = [];
    for (const facts of before.values()) {
      throwIfAborted(ctx.signal);
      ctx.say?.(`verifying ${facts.tenant}/${facts.database}/${facts.name}`);
      if (!afterIds.has(facts.id)) throw unverified(facts, 'it is missing from the repaired copy');
      const reader = folder.collection(facts.id);
      const count = reader.count();
      compareRecords(folder, facts, count);
      const differences: string[] = [];
      const back = compareVectors(reader, facts, differences);
      let queries = compareQueries(folder, facts, count, ctx, differences);
      if (queries < SAMPLE_QUERIES) queries += checkRecoveredQueries(folder, reader, facts, count, back, differences);
      if (ctx.ftsRebuilt) checkFullText(folder, facts);
      const coverage = reader.dimension === null ? null : vectorCoverage(reader);
      const missing = coverage?.missing ?? 0;
      if (missing > facts.vectorsMissing) throw unverified(facts, `${missing} records have no vector after the repair, ${facts.vectorsMissing} before`);
      if (missing < facts.vectorsMissing) differences.push(`${facts.vectorsMissing - missing} record(s) have their vector back`);
      if (ctx.vectorsRewritten.has(facts.id) && reader.dimension !== null) {
        const faults = vectorProblems(reader).filter((p) => p.severity === 'error' && p.code !== 'vectors.missing');
        if (faults.length > 0) throw unverified(facts, `the rewritten HNSW checkpoint is not sound: ${faults[0]!.message}`);
      }
      checks.push({
        tenant: facts.tenant,
        database: facts.database,
        name: facts.name,
        id: facts.id,
        countBefore: facts.count,
        countAfter: count,
        sampled: facts.sample.length,
        queries,
        vectorsMissing: missing,
        vectorsMissingSample: coverage?.missingSample ?? [],
        differences,
      });
      reader.release();
    }
    for (const id of afterIds) {
      if (!before.has(id)) throw new InspectorError('INTERNAL', `the repaired copy has a collection ${id} the original does not`, { reason: 'fix.unverified' });
    }
    return checks;
  } finally {
    folder.close();
  }
}
