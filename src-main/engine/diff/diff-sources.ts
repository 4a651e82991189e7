import type { CollectionDiff, DiffReport } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import { throwIfAborted } from '../backup/task.js';
import { CollectionComparer, DIFF_BATCH, settingChanges } from './compare-records.js';
import type { DiffCollection, DiffSource } from './diff-source.js';
import { matchCollections } from './match-collections.js';

export interface SourceDiffOptions {
  /** Compare this collection of a only (by name)… */
  collection?: string;
  /** …with this one of b (default: the same name). */
  against?: string;
  /** How many ids each list of changes carries (counts are exact). */
  limit?: number;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number; message: string }) => void;
}

/**
 * Two sides compared as the folder diff compares them (compare-records.ts), for sides that are
 * read asynchronously (a Chroma server): each side one tenant/database, collections matched by
 * name. One collection's ids and one batch of records per side are in memory at a time; the
 * signal is checked between batches.
 */
export async function diffSources(a: DiffSource, b: DiffSource, opts: SourceDiffOptions = {}): Promise<DiffReport> {
  const limit = opts.limit ?? 1000;
  if (!Number.isInteger(limit) || limit < 0) throw new InspectorError('INVALID_ARGUMENT', `limit must be a whole number, got ${limit}`);
  const report: DiffReport = { a: a.label, b: b.label, added: [], removed: [], collections: [] };
  let pairs: [DiffCollection, DiffCollection][];
  if (opts.collection || opts.against) {
    pairs = [[await a.collection(opts.collection ?? opts.against!), await b.collection(opts.against ?? opts.collection!)]];
  } else {
    const match = matchCollections(await a.collections(), await b.collections(), (c) => ({ tenant: c.tenant, database: c.database, name: c.name }), true);
    report.added = match.added;
    report.removed = match.removed;
    pairs = match.pairs;
  }
  for (const [x, y] of pairs) report.collections.push(await diffPair(x, y, limit, opts));
  return report;
}

async function diffPair(x: DiffCollection, y: DiffCollection, limit: number, opts: SourceDiffOptions): Promise<CollectionDiff> {
  const progress = (done: number, total: number, what: string) => opts.onProgress?.({ done, total, message: `${what} ${y.name}` });
  throwIfAborted(opts.signal);
  progress(0, 0, 'Listing the ids of');
  const [idsA, idsB] = await Promise.all([x.ids(), y.ids()]);
  const compare = new CollectionComparer(y, settingChanges(x.settings, y.settings), idsA, idsB, limit, x.settings.space === 'cosine' && y.settings.space === 'cosine');
  const common = compare.common;
  for (let i = 0; i < common.length; i += DIFF_BATCH) {
    throwIfAborted(opts.signal);
    const ids = common.slice(i, i + DIFF_BATCH);
    const [ra, rb] = await Promise.all([x.records(ids), y.records(ids)]);
    compare.compare(ids, ra, rb);
    progress(Math.min(i + DIFF_BATCH, common.length), common.length, 'Comparing');
  }
  return compare.finish();
}
