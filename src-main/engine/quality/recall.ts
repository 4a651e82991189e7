import type { RecallPoint, RecallReport } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import { reportLoad } from '../util/load-progress.js';
import { recallAdvice } from './recall-advice.js';
import { runSteps, type Steps } from '../util/steps.js';
import { vectorFlagsSteps } from './vector-flags.js';

export interface RecallOptions {
  k: number;
  /** How many records' own vectors to query with (sampled without repeats, seeded). */
  queries: number;
  seed?: number;
  /** The ef values of the sweep (the collection's own hnsw:search_ef is always added). */
  efValues?: number[];
}

const DEFAULT_EFS = [10, 20, 40, 80, 160, 320];
const MAX_QUERIES = 10_000;
const MAX_K = 1000;
/** Records at random each query is compared with, for the distance contrast. */
const CONTRAST_OTHERS = 20;

/**
 * The recall lab (docs/recall-lab.md): how much of what exact search finds Chroma's HNSW graph
 * search finds, for a seeded sample of the collection's own vectors as queries, at the
 * collection's hnsw:search_ef and across a sweep of ef. A query leaves its own record out of both
 * answers (it would always find itself), so recall@k measures its k true neighbours.
 */
export function recallReport(reader: CollectionReader, opts: RecallOptions): RecallReport {
  return runSteps(recallReportSteps(reader, opts));
}

/** Throws INVALID_ARGUMENT for options the recall lab refuses (before anything is loaded for it). */
export function checkRecallOptions(opts: RecallOptions): void {
  const k = opts.k;
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw new InspectorError('INVALID_ARGUMENT', `k must be an integer from 1 to ${MAX_K}, got ${k}`);
  if (!Number.isInteger(opts.queries) || opts.queries < 1 || opts.queries > MAX_QUERIES) {
    throw new InspectorError('INVALID_ARGUMENT', `queries must be an integer from 1 to ${MAX_QUERIES}, got ${opts.queries}`);
  }
}

/**
 * recallReport as steps (util/steps.ts), a pause after each search: a caller whose thread serves
 * others runs it in slices (thousands of exact searches at a million vectors take minutes), and can
 * cancel it between them.
 */
export function* recallReportSteps(reader: CollectionReader, opts: RecallOptions): Steps<RecallReport> {
  checkRecallOptions(opts);
  const k = opts.k;
  const vectors = reader.vectors({ forQuery: true });
  const space = reader.params.space;
  const collectionEf = reader.params.efSearch;
  // By label, not slab order: the same records and seed pick the same sample in any build of them.
  const live = [...vectors.slab.labelsAscending()];
  const sample = pick(live, Math.min(opts.queries, live.length), opts.seed ?? 1);
  const efs = [...new Set([...(opts.efValues ?? DEFAULT_EFS), collectionEf])].filter((e) => Number.isInteger(e) && e >= 1).sort((a, b) => a - b);

  // Exact neighbours first (one brute force per query), then the graph at every ef.
  const truth: number[][] = [];
  const contrasts: number[] = [];
  const others = pick(live, Math.min(live.length, CONTRAST_OTHERS + 1), (opts.seed ?? 1) + 7919);
  for (const [i, label] of sample.entries()) {
    yield;
    const q = vectors.original(label)!;
    const exact = vectors.search(q, k + 1, null, { exact: true }).filter((h) => h.label !== label);
    truth.push(exact.slice(0, k).map((h) => h.label));
    // How much nearer the nearest record is than records at random (l2 and cosine only).
    if (space !== 'ip' && exact.length > 0) {
      const randoms = vectors.search(q, CONTRAST_OTHERS, new Set(others.filter((l) => l !== label)), { exact: true });
      const dist = (d: number) => (space === 'l2' ? Math.sqrt(Math.max(0, d)) : d);
      const nn = dist(exact[0]!.distance);
      const mean = randoms.reduce((sum, h) => sum + dist(h.distance), 0) / Math.max(1, randoms.length);
      if (nn > 0 && randoms.length > 0) contrasts.push(mean / nn);
    }
    reportLoad(i + 1, sample.length * (efs.length + 1), 'Exact search for the sample');
  }
  const curve: RecallPoint[] = [];
  for (const [e, ef] of efs.entries()) {
    let sum = 0;
    let min = 1;
    // Only the searches are timed, not the pauses between them.
    let searching = 0;
    for (const [i, label] of sample.entries()) {
      yield;
      const started = performance.now();
      const got = new Set(withoutSelf(vectors.search(vectors.original(label)!, k + 1, null, { efSearch: ef }).map((h) => h.label), label, k));
      searching += performance.now() - started;
      const want = truth[i]!;
      const r = want.length === 0 ? 1 : want.filter((l) => got.has(l)).length / want.length;
      sum += r;
      if (r < min) min = r;
      reportLoad(sample.length * (e + 1) + i + 1, sample.length * (efs.length + 1), `Graph search at ef = ${ef}`);
    }
    const ms = searching / Math.max(1, sample.length);
    curve.push({ ef, recall: sample.length ? sum / sample.length : 1, minRecall: sample.length ? min : 1, meanQueryMs: ms });
  }
  const atCollectionEf = curve.find((p) => p.ef === collectionEf)!;
  const flags = yield* vectorFlagsSteps(vectors, space);
  const report: Omit<RecallReport, 'advice'> = {
    collection: reader.catalog.name,
    space,
    k,
    records: live.length,
    queries: sample.length,
    sampleIds: sample.map((l) => vectors.idOf(l)!),
    params: { maxNeighbors: reader.params.maxNeighbors, efConstruction: reader.params.efConstruction, efSearch: collectionEf },
    graph: vectors.checkpoint?.usable === true,
    recall: atCollectionEf.recall,
    contrast: contrasts.length ? median(contrasts) : null,
    curve,
    flags,
  };
  return { ...report, advice: recallAdvice(report) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** The first k labels of an answer for k + 1, without the query's own record. */
function withoutSelf(labels: number[], self: number, k: number): number[] {
  return labels.filter((l) => l !== self).slice(0, k);
}

/** `n` of `items` without repeats, the same ones for the same seed (a partial Fisher–Yates). */
function pick(items: number[], n: number, seed: number): number[] {
  const a = [...items];
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = i + (s % (a.length - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, n);
}
