import type { Space } from '../../../shared/models.js';
import { exportRequest, writeExport, type ExportFormat } from '../../engine/backup/export-writer.js';
import type { ExportRecord, RecordField } from '../../engine/backup/record-format.js';
import type { TaskOptions } from '../../engine/backup/task.js';
import type { ServerEndpoint } from './server-endpoint.js';
import { ServerRecordsHttp } from './server-records-http.js';

export interface ServerExportTarget {
  endpoint: ServerEndpoint;
  tenant: string;
  database: string;
  collection: { id: string; name: string; dimension: number | null; space: Space };
}

export interface ServerExportOptions extends TaskOptions {
  format: ExportFormat;
  /** A chromadb-client `get` argument object (ids, where, whereDocument, limit, offset, include). */
  args?: Record<string, unknown>;
  pageSize?: number;
}

/** Ids read per request when counting a filter's matches for progress. */
const COUNT_PAGE = 10_000;

/**
 * Exports a server collection, or what a `get` on it returns, to the same JSONL / CSV / Parquet
 * files a folder's export writes: paged through the server in its order, records read over the
 * v2 API losslessly (a float 2.0 stays a float), each page written before the next is read.
 */
export async function exportServerCollection(target: ServerExportTarget, outFile: string, opts: ServerExportOptions): Promise<{ file: string; records: number; fields: RecordField[] }> {
  // The client's own checks of ids, include, limit and offset; where and whereDocument are the server's to judge.
  const { args, spec, fields, pageSize } = exportRequest(opts.args, opts.pageSize);
  const http = new ServerRecordsHttp(target.endpoint, target.tenant, target.database, opts.signal);
  const id = target.collection.id;
  const filter = {
    ...(spec.ids ? { ids: spec.ids } : {}),
    ...(args.where !== undefined ? { where: args.where } : {}),
    ...(args.whereDocument !== undefined ? { whereDocument: args.whereDocument } : {}),
  };
  const include = spec.include.filter((f) => f !== 'distances');
  const matches = Object.keys(filter).length === 0 ? await http.count(id) : await countMatching(http, id, filter);
  const total = Math.max(0, Math.min(matches - spec.offset, spec.limit ?? Infinity));
  async function* pages(): AsyncGenerator<ExportRecord[]> {
    for (let done = 0; done < total; ) {
      const records = await http.get(id, { ...filter, offset: spec.offset + done, limit: Math.min(pageSize, total - done), include });
      if (records.length === 0) return; // the server changed under us
      done += records.length;
      yield records;
    }
  }
  const c = target.collection;
  const written = await writeExport(outFile, {
    ...opts,
    fields,
    collection: { name: c.name, tenant: target.tenant, database: target.database, dimension: c.dimension, space: c.space },
    total,
    pages: pages(),
  });
  return { ...written, fields: [...fields] };
}

async function countMatching(http: ServerRecordsHttp, id: string, filter: Record<string, unknown>): Promise<number> {
  let total = 0;
  for (;;) {
    const page = await http.get(id, { ...filter, offset: total, limit: COUNT_PAGE, include: [] });
    total += page.length;
    if (page.length < COUNT_PAGE) return total;
  }
}
