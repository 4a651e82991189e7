import type { RecordRow, Window } from '../../../shared/models.js';
import type { RecordSort } from '../../../shared/contract.js';
import { InspectorError } from '../../../shared/errors.js';
import type { ChromaFolder } from '../chroma-folder.js';
import { validateGetArgs } from '../query/validate-args.js';
import { runGet, type MatchedRecord } from '../query/run-get.js';
import { visibleMetadata } from '../query/format-results.js';
import { shortestFloat32Array } from '../util/float32-text.js';
import { checkFiltersIndexed } from '../filter/indexed-filters.js';
import { embeddingPreviews } from '../collection/vector-preview.js';

const PREVIEW = 4;

export interface RecordsQuery {
  collectionId: string;
  where?: unknown;
  whereDocument?: unknown;
  ids?: string[] | undefined;
  sort?: RecordSort | undefined;
  offset: number;
  limit: number;
  /** Attach a short embedding preview (loads the collection's vectors). */
  withEmbeddingPreview?: boolean;
}

function toRow(r: MatchedRecord, embedding: number[] | null): RecordRow {
  return {
    id: r.id,
    internalId: r.internalId,
    document: r.document,
    uri: r.uri,
    metadata: visibleMetadata(r.metadata, r.uri),
    embedding,
    ...(r.fromWal ? { fromWal: true } : {}),
  };
}

/** One page of a collection's records for the grid, with the total for the scrollbar. */
export function readRecordsWindow(folder: ChromaFolder, q: RecordsQuery): Window<RecordRow> {
  // One read transaction: the reads below must all see the same committed state.
  return folder.snapshot(() => readRecordsWindowInSnapshot(folder, q, true)!);
}

/**
 * readRecordsWindow, or null when its embedding previews need the collection's vectors loaded
 * (a record on the page the WAL tail changed after the checkpoint): a caller whose thread serves
 * others loads them ahead in slices (ChromaFolder.prepareVectors), then reads the page.
 */
export function readRecordsWindowWithoutLoad(folder: ChromaFolder, q: RecordsQuery): Window<RecordRow> | null {
  return folder.snapshot(() => readRecordsWindowInSnapshot(folder, q, false));
}

function readRecordsWindowInSnapshot(folder: ChromaFolder, q: RecordsQuery, load: boolean): Window<RecordRow> | null {
  const reader = folder.collection(q.collectionId);
  const spec = validateGetArgs({
    ...(q.ids ? { ids: q.ids } : {}),
    ...(q.where !== undefined ? { where: q.where } : {}),
    ...(q.whereDocument !== undefined ? { whereDocument: q.whereDocument } : {}),
    limit: q.limit,
    offset: q.offset,
  });
  // The grid's filters answer as Chroma's get would, refusals for schema-disabled indexes included.
  checkFiltersIndexed(reader.catalog.schemaJson, spec.where, spec.whereDocument);
  const out = runGet(reader, spec, { withContents: true, withTotal: true, ...(q.sort ? { order: q.sort } : {}) });
  // Previews come from the checkpoint files while the vectors are not loaded: a page never loads them all.
  const previews = q.withEmbeddingPreview && reader.dimension !== null ? embeddingPreviews(reader, out.records.map((r) => r.id), PREVIEW, load) : null;
  if (q.withEmbeddingPreview && reader.dimension !== null && previews === null) return null;
  const rows = out.records.map((r) => {
    const vec = previews?.get(r.id);
    return toRow(r, vec ? shortestFloat32Array(vec) : null);
  });
  return { rows, total: out.total ?? rows.length, offset: q.offset };
}

/** One record with its full vector. */
export function readRecordDetail(folder: ChromaFolder, collectionId: string, id: string): RecordRow {
  // One read transaction: the reads below must all see the same committed state.
  return folder.snapshot(() => readRecordDetailInSnapshot(folder, collectionId, id, true)!);
}

/** readRecordDetail, or null when its vector needs the collection's vectors loaded (as readRecordsWindowWithoutLoad). */
export function readRecordDetailWithoutLoad(folder: ChromaFolder, collectionId: string, id: string): RecordRow | null {
  return folder.snapshot(() => readRecordDetailInSnapshot(folder, collectionId, id, false));
}

function readRecordDetailInSnapshot(folder: ChromaFolder, collectionId: string, id: string, load: boolean): RecordRow | null {
  const reader = folder.collection(collectionId);
  const spec = validateGetArgs({ ids: [id] });
  const [rec] = runGet(reader, spec, { withContents: true }).records;
  if (!rec) throw new InspectorError('NOT_FOUND', `Record "${id}" does not exist in collection ${reader.catalog.name}`, { id });
  let embedding: number[] | null = null;
  if (reader.dimension !== null) {
    // Read from the checkpoint's files when the vectors are not loaded (a full load is seconds at a million records).
    const previews = embeddingPreviews(reader, [id], reader.dimension, load);
    if (!previews) return null;
    const vec = previews.get(id);
    embedding = vec ? shortestFloat32Array(vec) : null;
  }
  return toRow(rec, embedding);
}
