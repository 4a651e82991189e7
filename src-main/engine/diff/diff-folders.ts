import type { CollectionRef, DiffReport } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import type { ChromaFolder } from '../chroma-folder.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import { diffCollection } from './diff-collection.js';
import { matchCollections } from './match-collections.js';

export interface FolderDiffOptions {
  /** Compare this collection only (in a)… */
  collection?: CollectionRef | string;
  /** …with this one in b (default: the same name), e.g. two collections of one folder. */
  against?: CollectionRef;
  /** How many ids each list of changes carries (counts are exact). */
  limit?: number;
  /** What the report calls each side (paths, backup names). */
  labels: [string, string];
}

const ref = (c: CollectionReader) => ({ tenant: c.catalog.tenant, database: c.catalog.database, name: c.catalog.name });

/**
 * Two folders compared collection by collection (matched by tenant, database and name), or one
 * collection against another (docs/diff.md). Both folders are only read.
 */
export function diffFolders(a: ChromaFolder, b: ChromaFolder, opts: FolderDiffOptions): DiffReport {
  const limit = opts.limit ?? 1000;
  if (!Number.isInteger(limit) || limit < 0) throw new InspectorError('INVALID_ARGUMENT', `limit must be a whole number, got ${limit}`);
  const report: DiffReport = { a: opts.labels[0], b: opts.labels[1], added: [], removed: [], collections: [] };
  if (opts.collection || opts.against) {
    const x = a.collection(opts.collection ?? opts.against!);
    const y = b.collection(opts.against ?? opts.collection!);
    report.collections.push(diffCollection(x, y, { limit }));
    return report;
  }
  const match = matchCollections(a.collectionReaders(), b.collectionReaders(), ref);
  report.added = match.added;
  report.removed = match.removed;
  for (const [x, y] of match.pairs) report.collections.push(diffCollection(x, y, { limit }));
  return report;
}
