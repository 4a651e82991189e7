import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { IncludeField, Space } from '../../../shared/models.js';
import { validateGetArgs, type GetSpec } from '../query/validate-args.js';
import { invalidArgument } from '../../../shared/errors.js';
import { CsvSink, JsonlSink, ParquetSink, rowGroupRows, type RecordSink } from './export-sinks.js';
import type { ExportRecord, RecordField } from './record-format.js';
import { ProgressReporter, throwIfAborted, type TaskOptions } from './task.js';
import { discardPartial, publishWithoutOverwrite } from './publish-file.js';
import { toolVersion } from './tool-version.js';

export type ExportFormat = 'jsonl' | 'csv' | 'parquet';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['jsonl', 'csv', 'parquet'];

const DEFAULT_INCLUDE: IncludeField[] = ['documents', 'metadatas', 'embeddings', 'uris'];
const FIELD_OF: Partial<Record<IncludeField, RecordField>> = { documents: 'document', metadatas: 'metadata', embeddings: 'embedding', uris: 'uri' };

/**
 * An export's `get` arguments checked as the client checks them (default: every field of every
 * record), the fields the file will have, and its page size.
 */
export function exportRequest(args: Record<string, unknown> | undefined, pageSize = 1000): { args: Record<string, unknown>; spec: GetSpec; fields: Set<RecordField>; pageSize: number } {
  if (!Number.isInteger(pageSize) || pageSize < 1) throw invalidArgument(`pageSize must be a positive integer, got ${pageSize}`);
  const all = { ...(args ?? {}) };
  if (all.include === undefined) all.include = DEFAULT_INCLUDE;
  const spec = validateGetArgs(all);
  const fields = new Set(spec.include.map((f) => FIELD_OF[f]).filter((f): f is RecordField => f !== undefined));
  return { args: all, spec, fields, pageSize };
}

/** What an export file says about its collection (never its id: it changes on import). */
export interface ExportedCollection {
  name: string;
  tenant: string;
  database: string;
  dimension: number | null;
  space: Space;
}

export interface ExportPlan extends TaskOptions {
  format: ExportFormat;
  fields: ReadonlySet<RecordField>;
  collection: ExportedCollection;
  /** Records to expect, for progress. */
  total: number;
  /** The records, a page at a time, read only when the previous page is written. */
  pages: AsyncIterable<readonly ExportRecord[]>;
}

/**
 * Writes an export file from pages of records, whatever reads them (a folder or a server): as
 * `${outFile}.partial-…`, renamed when complete, removed on failure or cancel, never over an
 * existing file. Returns the number of records written.
 */
export async function writeExport(outFile: string, plan: ExportPlan): Promise<{ file: string; records: number }> {
  if (!EXPORT_FORMATS.includes(plan.format)) throw invalidArgument(`unknown export format "${plan.format}" (expected ${EXPORT_FORMATS.join(', ')})`);
  const out = resolve(outFile);
  if (existsSync(out)) throw invalidArgument(`${out} already exists; choose a new file name`);
  const partial = `${out}.partial-${randomBytes(4).toString('hex')}`;
  const { fields, collection: c } = plan;
  let sink: RecordSink | null = null;
  try {
    const progress = new ProgressReporter(plan.onProgress, plan.total);
    const kv = { formatVersion: 1, tool: toolVersion(), collection: { name: c.name, tenant: c.tenant, database: c.database, dimension: c.dimension, space: c.space }, fields: [...fields] };
    sink =
      plan.format === 'jsonl' ? new JsonlSink(partial, fields) : plan.format === 'csv' ? new CsvSink(partial, fields) : new ParquetSink(partial, fields, kv, rowGroupRows(c.dimension));
    let done = 0;
    progress.report(`exporting ${plan.total} records of ${c.name}`, true);
    for await (const records of plan.pages) {
      throwIfAborted(plan.signal);
      await sink.write(records);
      done += records.length;
      progress.done = done;
      progress.report(`exported ${done} of ${plan.total}`, true);
    }
    await sink.finish();
    throwIfAborted(plan.signal);
    await publishWithoutOverwrite(partial, out);
    progress.report(`exported ${done} records`, true);
    return { file: out, records: done };
  } catch (err) {
    throw await discardPartial(err, sink, partial, out, plan.signal);
  }
}
