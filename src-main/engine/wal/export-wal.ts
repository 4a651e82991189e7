import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CollectionRef, WalExportOutcome } from '../../../shared/models.js';
import { invalidArgument } from '../../../shared/errors.js';
import { ChromaFolder } from '../chroma-folder.js';
import { discardPartial, publishWithoutOverwrite } from '../backup/publish-file.js';
import { metadataToJson } from '../backup/record-format.js';
import { ProgressReporter, throwIfAborted, type TaskOptions } from '../backup/task.js';
import { toolVersion } from '../backup/tool-version.js';
import { refuseInsideSource } from '../migrate/new-folder.js';
import { decodeWalRow, type RawWalRow, type WalRecord } from './decode-row.js';
import { WAL_COLUMNS } from './read-wal.js';
import { JsonlWalSink, ParquetWalSink, type WalExportRow, type WalSink } from './wal-export-sinks.js';

export type WalExportFormat = 'jsonl' | 'parquet';

export interface WalExportOptions extends TaskOptions {
  format: WalExportFormat;
  /** Only this collection's entries (by name, or `{name, tenant, database}`, or id). */
  collection?: CollectionRef | string;
  /** Write each entry's vector (default true). */
  embeddings?: boolean;
  /** Entries read per page (default 1000). */
  pageSize?: number;
}

export function walExportFormatFromPath(file: string): WalExportFormat | null {
  const m = /\.(jsonl|ndjson|parquet)$/i.exec(file);
  if (!m) return null;
  return m[1]!.toLowerCase() === 'parquet' ? 'parquet' : 'jsonl';
}

/** The keys an entry sets, typed, and the keys it removes as null. */
function metadataJson(r: WalRecord): string | null {
  const parts: string[] = [];
  if (r.metadata.size > 0) parts.push(metadataToJson(r.metadata).slice(1, -1));
  for (const k of r.deletedKeys) parts.push(`${JSON.stringify(k)}:null`);
  return parts.length > 0 ? `{${parts.join(',')}}` : null;
}

/**
 * Exports the write-ahead log (docs/format.md §4) — every entry, or one collection's — to JSONL or
 * Parquet (format: wal-export-sinks.ts), in seq order, a page at a time. The file is written as
 * `${out}.partial-…` and put in place without overwriting anything when complete; it is removed on
 * failure or cancel. The folder is only read.
 */
export async function exportWal(source: ChromaFolder | string, outFile: string, opts: WalExportOptions): Promise<WalExportOutcome> {
  if (opts.format !== 'jsonl' && opts.format !== 'parquet') throw invalidArgument(`unknown WAL export format "${String(opts.format)}" (expected jsonl or parquet)`);
  const pageSize = opts.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw invalidArgument(`pageSize must be a positive integer, got ${pageSize}`);
  const out = resolve(outFile);
  if (existsSync(out)) throw invalidArgument(`${out} already exists; choose a new file name`);
  const folder = typeof source === 'string' ? ChromaFolder.open(source) : source;
  const partial = `${out}.partial-${randomBytes(4).toString('hex')}`;
  const embeddings = opts.embeddings ?? true;
  let sink: WalSink | null = null;
  try {
    refuseInsideSource(folder.dir, out, 'WAL export');
    const readers = folder.collectionReaders();
    const ref = opts.collection;
    // A string is a collection id, or else a name in the default tenant and database.
    const byId = typeof ref === 'string' && folder.catalog.collections.some((c) => c.id === ref);
    const only = ref === undefined ? null : folder.collection(typeof ref === 'string' && !byId ? { name: ref } : ref).catalog;
    const byTopic = new Map(readers.map((r) => [r.catalog.topic, r.catalog]));
    const where = only ? 'AND topic = ?' : '';
    const params = only ? [only.topic] : [];
    const total = folder.snapshot(() => (folder.ctx.db.prepare(`SELECT count(*) AS n FROM embeddings_queue WHERE 1 ${where}`).get(...params) as { n: number }).n);
    const progress = new ProgressReporter(opts.onProgress, total);
    const dimension = Math.max(0, ...(only ? [only] : readers.map((r) => r.catalog)).map((c) => c.dimension ?? 0));
    const kv = { formatVersion: 1, tool: toolVersion(), collection: only ? { name: only.name, tenant: only.tenant, database: only.database } : null, embeddings };
    sink = opts.format === 'jsonl' ? new JsonlWalSink(partial, embeddings) : new ParquetWalSink(partial, embeddings, kv, dimension);
    const warnings: string[] = [];
    let unreadable = 0;
    let done = 0;
    let after = -Infinity;
    progress.report(`exporting ${total} WAL entries`, true);
    for (;;) {
      throwIfAborted(opts.signal);
      const rows = folder.snapshot(
        () => folder.ctx.db.prepare(`SELECT ${WAL_COLUMNS} FROM embeddings_queue WHERE seq_id > ? ${where} ORDER BY seq_id LIMIT ?`).all(after, ...params, pageSize) as RawWalRow[],
      );
      if (rows.length === 0) break;
      after = Number(rows[rows.length - 1]!.seq_id);
      const page: WalExportRow[] = rows.map((raw) => {
        const r = decodeWalRow(raw);
        if (r.problem) unreadable++;
        const c = byTopic.get(r.topic) ?? null;
        let metadata: string | null = null;
        try {
          metadata = metadataJson(r);
        } catch {
          unreadable++;
        }
        return {
          seqId: r.seqId,
          createdAt: r.createdAt,
          collection: c?.name ?? null,
          collectionId: c?.id ?? null,
          operation: r.operation,
          id: r.id,
          document: r.document ?? null,
          uri: r.uri ?? null,
          metadataJson: metadata,
          embedding: embeddings ? r.vector : null,
        };
      });
      await sink.write(page);
      done += page.length;
      progress.done = done;
      progress.report(`exported ${done} of ${total} WAL entries`);
    }
    if (unreadable > 0) warnings.push(`${unreadable} WAL entries could not be fully decoded (their unreadable parts are exported as null)`);
    await sink.finish();
    throwIfAborted(opts.signal);
    await publishWithoutOverwrite(partial, out);
    progress.report(`exported ${done} WAL entries`, true);
    return { file: out, format: opts.format, rows: done, warnings };
  } catch (err) {
    throw await discardPartial(err, sink, partial, out, opts.signal);
  } finally {
    if (typeof source === 'string') folder.close();
  }
}
