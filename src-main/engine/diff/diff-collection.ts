import type { CollectionDiff } from '../../../shared/models.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import { storedEmbeddingFunction } from '../catalog/embedding-function.js';
import { runGet } from '../query/run-get.js';
import { reportLoad } from '../util/load-progress.js';
import { CollectionComparer, DIFF_BATCH, settingChanges } from './compare-records.js';
import type { DiffRecord, DiffSettings } from './diff-source.js';

export interface DiffOptions {
  /** How many ids each list carries (the counts are always exact). */
  limit: number;
}

/**
 * What changed from collection `a` to collection `b` of folders (docs/diff.md): settings
 * (dimension, space, HNSW parameters, embedding function, metadata), ids added and removed, and
 * for the ids in both, document, metadata (types included: 2 and 2.0 differ) and embedding
 * changes, with each changed embedding's cosine drift. Records are compared in batches of ids;
 * vectors come from each side's own state (checkpoint plus WAL tail), as a query would see them.
 */
export function diffCollection(a: CollectionReader, b: CollectionReader, opts: DiffOptions): CollectionDiff {
  const [sa, sb] = [folderDiffSettings(a), folderDiffSettings(b)];
  const compare = new CollectionComparer(b.catalog, settingChanges(sa, sb), allIds(a), allIds(b), opts.limit, sa.space === 'cosine' && sb.space === 'cosine');
  const common = compare.common;
  for (let i = 0; i < common.length; i += DIFF_BATCH) {
    const ids = common.slice(i, i + DIFF_BATCH);
    compare.compare(ids, folderDiffRecords(a, ids), folderDiffRecords(b, ids));
    reportLoad(Math.min(i + DIFF_BATCH, common.length), common.length, `Comparing ${b.catalog.name}`);
  }
  return compare.finish();
}

/** A folder collection's settings as the read engine applies them. */
export function folderDiffSettings(r: CollectionReader): DiffSettings {
  return {
    dimension: r.dimension,
    space: r.params.space,
    maxNeighbors: r.params.maxNeighbors,
    efConstruction: r.params.efConstruction,
    efSearch: r.params.efSearch,
    embeddingFunction: storedEmbeddingFunction(r.catalog),
    metadata: r.catalog.metadata,
  };
}

/** Every id of a folder collection, in Chroma's get order. */
export function allIds(r: CollectionReader): string[] {
  return runGet(r, { ids: null, where: null, whereDocument: null, limit: null, offset: 0, include: [] }, { withContents: false }).records.map((x) => x.id);
}

/** The records of `ids` with their vectors (what a query would search: checkpoint plus WAL tail). */
export function folderDiffRecords(r: CollectionReader, ids: readonly string[]): Map<string, DiffRecord> {
  const got = runGet(r, { ids: [...ids], where: null, whereDocument: null, limit: null, offset: 0, include: [] }, { withContents: true });
  const v = r.dimension !== null ? r.vectors() : null;
  return new Map(
    got.records.map((x) => {
      const label = v?.idToLabel.get(x.id);
      const embedding = v && label !== undefined ? (v.original(label) ?? null) : null;
      return [x.id, { id: x.id, document: x.document, uri: x.uri, metadata: x.metadata, embedding }];
    }),
  );
}
