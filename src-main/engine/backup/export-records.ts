import type { CollectionRef, Space } from '../../../shared/models.js';
import { invalidArgument } from '../../../shared/errors.js';
import { ChromaFolder } from '../chroma-folder.js';
import { guardSqlite } from '../sqlite/connection.js';
import { runGet } from '../query/run-get.js';
import type { GetSpec } from '../query/validate-args.js';
import type { ExportRecord, RecordField } from './record-format.js';
import type { TypedMetadata } from '../util/typed-value.js';
import type { TaskOptions } from './task.js';
import { EXPORT_FORMATS, exportRequest, writeExport, type ExportFormat } from './export-writer.js';

export { EXPORT_FORMATS, type ExportFormat } from './export-writer.js';

export interface ExportOptions extends TaskOptions {
  format: ExportFormat;
  /**
   * A `get` argument object as the chromadb JS client takes it (`ids`, `where`, `whereDocument`,
   * `limit`, `offset`, `include`), validated exactly as `get` is. Default: every record, with
   * documents, metadatas, embeddings and uris.
   */
  args?: Record<string, unknown>;
  /** Records read per page; default 1000 (Parquet row groups are sized by rowGroupRows, not by this). */
  pageSize?: number;
}

export interface ExportResult {
  file: string;
  format: ExportFormat;
  records: number;
  collection: { id: string; name: string; tenant: string; database: string; dimension: number | null; space: Space };
  fields: RecordField[];
  /** E.g. records whose vector is missing from the index (exported with a null embedding). */
  warnings: string[];
}


export function formatFromPath(file: string): ExportFormat | null {
  const m = /\.(jsonl|ndjson|csv|parquet)$/i.exec(file);
  if (!m) return null;
  const ext = m[1]!.toLowerCase();
  return ext === 'ndjson' ? 'jsonl' : (ext as ExportFormat);
}

/** Metadata as users see it: Chroma's reserved `chroma:*` keys are not exported. */
function userMetadata(md: TypedMetadata | null): TypedMetadata | null {
  if (!md) return null;
  if (![...md.keys()].some((k) => k.startsWith('chroma:'))) return md;
  return new Map([...md].filter(([k]) => !k.startsWith('chroma:')));
}

/**
 * Exports a collection, or the records a `get` would return, to JSONL, CSV or Parquet (format:
 * see record-format.ts). Pages through Chroma's get order (internal id) `pageSize` records at a
 * time, writing each page before reading the next, so records are never all in memory; the file
 * is written as `${outFile}.partial-…` and renamed when complete, and removed on failure/cancel.
 */
export async function exportCollection(
  source: ChromaFolder | string,
  ref: CollectionRef | string,
  outFile: string,
  opts: ExportOptions,
): Promise<ExportResult> {
  if (!EXPORT_FORMATS.includes(opts.format)) throw invalidArgument(`unknown export format "${opts.format}" (expected ${EXPORT_FORMATS.join(', ')})`);
  const { spec, fields, pageSize } = exportRequest(opts.args, opts.pageSize);

  const folder = typeof source === 'string' ? ChromaFolder.open(source) : source;
  try {
    const reader = folder.collection(ref);
    const c = reader.catalog;
    const collection = { id: c.id, name: c.name, tenant: c.tenant, database: c.database, dimension: c.dimension, space: reader.params.space };
    const guard = <T>(fn: () => T) => guardSqlite(folder.ctx.sqliteFile, fn);
    const matches = guard(() => runGet(reader, { ...spec, limit: 0 }, { withContents: false, withTotal: true }).total ?? 0);
    const total = Math.max(0, Math.min(matches - spec.offset, spec.limit ?? Infinity));
    // The load runs ahead in slices (the thread may serve others: serve's export), then is taken here.
    if (fields.has('embedding')) await folder.prepareVectors(ref, { forQuery: false }, { ...(opts.signal ? { signal: opts.signal } : {}) });
    const vectors = fields.has('embedding') ? guard(() => reader.vectors()) : null;
    let missingVectors = 0;
    // Pages in Chroma's get order (internal id), each read only once the previous one is written.
    async function* pages(): AsyncGenerator<ExportRecord[]> {
      for (let done = 0; done < total; ) {
        const page: GetSpec = { ...spec, offset: spec.offset + done, limit: Math.min(pageSize, total - done) };
        const got = guard(() => runGet(reader, page, { withContents: fields.has('document') || fields.has('metadata') || fields.has('uri') }));
        if (got.records.length === 0) return; // the folder changed under us; what was read is consistent per page
        done += got.records.length;
        yield got.records.map((r) => {
          const rec: ExportRecord = { id: r.id, document: r.document, uri: r.uri, metadata: userMetadata(r.metadata) };
          if (vectors) {
            const label = vectors.idToLabel.get(r.id);
            rec.embedding = label === undefined ? null : (vectors.original(label) ?? null);
            if (!rec.embedding) missingVectors++;
          }
          return rec;
        });
      }
    }
    const written = await writeExport(outFile, { ...opts, fields, collection, total, pages: pages() });
    const warnings = missingVectors > 0 ? [`${missingVectors} record(s) have no vector in the index and were exported with "embedding": null`] : [];
    return { file: written.file, format: opts.format, records: written.records, collection, fields: [...fields], warnings };
  } finally {
    if (typeof source === 'string') folder.close();
  }
}
