import type { FixKind, FixStepReport } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import { throwIfAborted } from '../backup/task.js';
import { ChromaFolder } from '../chroma-folder.js';
import type { CollectionReader } from '../collection/collection-reader.js';
import type { FolderWriter } from '../write/folder-writer.js';
import type { WriteEra } from '../write/write-era.js';

/**
 * What every fix works with: the writer on the staging copy (never the user's folder), the
 * cancel signal, a progress line, and what the verification must know about the fixes' effects.
 */
export interface FixContext {
  /** The staging copy being repaired. */
  dir: string;
  writer: FolderWriter;
  signal?: AbortSignal;
  say(message: string): void;
  /** Collections whose vector files a fix rewrote: their HNSW graph is new, so approximate answers may rank differently. */
  vectorsRewritten: Set<string>;
  /** Per collection, record ids whose vector was missing from the original's readable state and was recovered. */
  recovered: Map<string, Set<string>>;
}

export type FixStep = (ctx: FixContext) => Promise<FixStepReport>;

export function emptyReport(kind: FixKind): FixStepReport {
  return { kind, changed: false, actions: [], skipped: [], counts: {} };
}

/** The folder's write era, or null (with the reason added to `skipped`) when this fix must not write it. */
export function writeEraOrSkip(ctx: FixContext, report: FixStepReport): WriteEra | null {
  try {
    return ctx.writer.era;
  } catch (err) {
    if (!(err instanceof InspectorError)) throw err;
    report.skipped.push(`${report.kind} writes in the folder's own format, which this folder's era does not allow: ${err.message}`);
    return null;
  }
}

/** A collection as reports name it. */
export const collectionLabel = (c: { tenant: string; database: string; name: string }) => `${c.tenant}/${c.database}/${c.name}`;

/**
 * Visits every collection of the staging copy, in every tenant and database, through one read
 * view: checks for cancel before each, frees each collection's cached files after its visit,
 * and closes the view at the end.
 */
export async function forEachCollection(
  ctx: FixContext,
  visit: (reader: CollectionReader, label: string, folder: ChromaFolder) => Promise<void>,
): Promise<void> {
  const folder = ChromaFolder.open(ctx.dir);
  try {
    for (const reader of folder.collectionReaders()) {
      throwIfAborted(ctx.signal);
      try {
        await visit(reader, collectionLabel(reader.catalog), folder);
      } finally {
        reader.release();
      }
    }
  } finally {
    folder.close();
  }
}

/** Adds `n` to a report counter. */
export function count(report: FixStepReport, key: string, n: number): void {
  report.counts[key] = (report.counts[key] ?? 0) + n;
}
