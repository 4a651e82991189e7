import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CollectionRef, IncludeField, Space } from '../../../shared/models.js';
import { invalidArgument } from '../../../shared/errors.js';
import { ChromaFolder } from '../chroma-folder.js';
import { guardSqlite } from '../sqlite/connection.js';
import { runGet } from '../query/run-get.js';
import { validateGetArgs, type GetSpec } from '../query/validate-args.js';
import { CsvSink, JsonlSink, ParquetSink, rowGroupRows, type RecordSink } from './export-sinks.js';
import type { ExportRecord, RecordField } from './record-format.js';
import type { TypedMetadata } from '../util/typed-value.js';
import { ProgressReporter, throwIfAborted, type TaskOptions } from './task.js';
import { discardPartial, publishWithoutOverwrite } from './publish-file.js';
import { toolVersion } from './tool-version.js';

export type ExportFormat = 'jsonl' | 'csv' | 'parquet';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['jsonl', 'csv', 'parquet'];

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

const DEFAULT_INCLUDE: IncludeField[] = ['documents', 'metadatas', 'embeddings', 'uris'];
const FIELD_OF: Partial<Record<IncludeField, RecordField>> = { documents: 'document', metadatas: 'metadata', embeddings: 'embedding', uris: 'uri' };

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
  const pageSize = opts.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw invalidArgument(`pageSize must be a positive integer, got ${pageSize}`);
  const out = resolve(outFile);
  if (existsSync(out)) throw invalidArgument(`${out} already exists; choose a new file name`);
  const args = { ...(opts.args ?? {}) };
  if (args.include === undefined) args.include = DEFAULT_INCLUDE;
  const spec = validateGetArgs(args);
  const fields = new Set(spec.include.map((f) => FIELD_OF[f]).filter((f): f is RecordField => f !== undefined));

  const folder = typeof source === 'string' ? ChromaFolder.open(source) : source;
  const partial = `${out}.partial-${randomBytes(4).toString('hex')}`;
  let sink: RecordSink | null = null;
  try {
    const reader = folder.collection(ref);
    const c = reader.catalog;
    const collection = { id: c.id, name: c.name, tenant: c.tenant, database: c.database, dimension: c.dimension, space: reader.params.space };
    const guard = <T>(fn: () => T) => guardSqlite(folder.ctx.sqliteFile, fn);
    const matches = guard(() => runGet(reader, { ...spec, limit: 0 }, { withContents: false, withTotal: true }).total ?? 0);
    const total = Math.max(0, Math.min(matches - spec.offset, spec.limit ?? Infinity));
    const progress = new ProgressReporter(opts.onProgress, total);
    // No collection id here: it changes on import, and a re-export must give an identical file.
    const kv = { formatVersion: 1, tool: toolVersion(), collection: { name: c.name, tenant: c.tenant, database: c.database, dimension: c.dimension, space: reader.params.space }, fields: [...fields] };
    sink = opts.format === 'jsonl' ? new JsonlSink(partial, fields) : opts.format === 'csv' ? new CsvSink(partial, fields) : new ParquetSink(partial, fields, kv, rowGroupRows(c.dimension));
    const vectors = fields.has('embedding') ? guard(() => reader.vectors()) : null;
    const warnings: string[] = [];
    let missingVectors = 0;
    let done = 0;
    progress.report(`exporting ${total} records of ${c.name}`, true);
    while (done < total) {
      throwIfAborted(opts.signal);
      const page: GetSpec = { ...spec, offset: spec.offset + done, limit: Math.min(pageSize, total - done) };
      const got = guard(() => runGet(reader, page, { withContents: fields.has('document') || fields.has('metadata') || fields.has('uri') }));
      if (got.records.length === 0) break; // the folder changed under us; what was read is consistent per page
      const records: ExportRecord[] = got.records.map((r) => {
        const rec: ExportRecord = { id: r.id, document: r.document, uri: r.uri, metadata: userMetadata(r.metadata) };
        if (vectors) {
          const label = vectors.idToLabel.get(r.id);
          rec.embedding = label === undefined ? null : (vectors.original(label) ?? null);
          if (!rec.embedding) missingVectors++;
        }
        return rec;
      });
      await sink.write(records);
      done += records.length;
      progress.done = done;
      progress.report(`exported ${done} of ${total}`, true);
    }
    if (missingVectors > 0) warnings.push(`${missingVectors} record(s) have no vector in the index and were exported with "embedding": null`);
    await sink.finish();
    throwIfAborted(opts.signal);
    await publishWithoutOverwrite(partial, out);
    progress.report(`exported ${done} records`, true);
    return { file: out, format: opts.format, records: done, collection, fields: [...fields], warnings };
  } catch (err) {
    throw await discardPartial(err, sink, partial, out, opts.signal);
  } finally {
    if (typeof source === 'string') folder.close();
  }
}
