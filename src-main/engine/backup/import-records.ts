import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Space } from '../../../shared/models.js';
import { InspectorError, invalidArgument } from '../../../shared/errors.js';
import { DEFAULT_DATABASE, DEFAULT_TENANT, type CatalogCollection } from '../catalog/read-catalog.js';
import { resolveHnswParams } from '../catalog/hnsw-params.js';
import { validateCollectionName } from '../validation/names.js';
import type { EmbeddedFolder } from '../write/embedded-folder.js';
import { EmbeddedFolderLease } from '../write/embedded-folder-lease.js';
import { MAX_BATCH_SIZE, type RecordWrite } from '../write/record-writes.js';
import { parquetInfo, readJsonl, readParquet, type ImportBatch, type ImportRecord } from './import-readers.js';
import { ProgressReporter, asCancelled, throwIfAborted, type TaskOptions } from './task.js';

export type ImportFormat = 'jsonl' | 'parquet';

export interface ImportOptions extends TaskOptions {
  /** The collection to import into; created when it does not exist. */
  collection: string;
  tenant?: string;
  database?: string;
  /** Default: from the file name (.jsonl / .ndjson / .parquet). */
  format?: ImportFormat;
  /** Records per write transaction (default 1000, at most Chroma's 5461). */
  batchSize?: number;
  /** `add` (default: records already in the collection are skipped, as Chroma does) or `upsert`. */
  mode?: 'add' | 'upsert';
  /** Space for a collection this import creates; default: the export's (Parquet) or l2. */
  space?: Space;
  /** Write even though another process seems to have the folder open (PersistentClient's force). */
  force?: boolean;
}

export interface ImportResult {
  file: string;
  folder: string;
  collection: { id: string; name: string; tenant: string; database: string };
  created: boolean;
  records: number;
  warnings: string[];
}

export function importFormatFromPath(file: string): ImportFormat | null {
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  if (/\.parquet$/i.test(file)) return 'parquet';
  return null;
}

function toWrite(r: ImportRecord, where: string): RecordWrite {
  if (!r.embedding) throw invalidArgument(`${where}: record "${r.id}" has no embedding; Chroma cannot add a record without one`);
  const w: RecordWrite = { id: r.id, vector: Float32Array.from(r.embedding), metadata: r.metadata ?? null };
  if (r.document !== undefined) w.document = r.document;
  if (r.uri !== undefined) w.uri = r.uri;
  return w;
}

/**
 * The collection named `name` in tenant/database, or a new one as `createCollection` with no
 * embedding function creates it (Chroma's name rule, the database must exist).
 */
async function findOrCreateCollection(
  f: EmbeddedFolder,
  where: { name: string; tenant: string; database: string },
  space: Space | undefined,
): Promise<{ collection: CatalogCollection; created: boolean }> {
  const { name, tenant, database } = where;
  const existing = f.reader.catalog.collections.find((c) => c.tenant === tenant && c.database === database && c.name === name);
  if (existing) return { collection: existing, created: false };
  const nameProblem = validateCollectionName(name);
  if (nameProblem) throw invalidArgument(`Validation error: name: ${nameProblem}`);
  const databaseId = f.reader.catalog.databases.find((d) => d.tenant === tenant && d.name === database)?.id;
  if (!databaseId) throw invalidArgument(`Database [${database}] does not exist`);
  const { id } = await f.createCollection({ databaseId, name, metadata: null, hnsw: space ? { space } : null, embeddingFunction: null, getOrCreate: false });
  return { collection: f.collection(id), created: true };
}

/**
 * Imports a JSONL or Parquet export (record-format.ts) into a collection through the write engine
 * (the folder an embedded PersistentClient on the same path shares), in batches of `batchSize`
 * records, each one write transaction; the file is streamed, never loaded whole. Metadata types
 * are kept exactly (an integral float stays a float), which the chromadb-style `collection.add`
 * cannot express, so batches go to the folder's write queue directly. If the import created the
 * collection and then fails or is cancelled, the collection is deleted again; an existing
 * collection keeps the batches already written (`details.imported` says how many).
 */
export async function importRecords(file: string, folder: string, opts: ImportOptions): Promise<ImportResult> {
  const path = resolve(file);
  const format = opts.format ?? importFormatFromPath(path);
  if (!format) throw invalidArgument(`cannot tell the format of ${path}: use a .jsonl or .parquet file, or give the format`);
  const batchSize = opts.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw invalidArgument(`batchSize must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${batchSize}`);
  }
  const size = statSync(path).size;
  const info = format === 'parquet' ? await parquetInfo(path) : null;
  const exported = info?.exportInfo?.collection as { space?: Space } | undefined;
  const space = opts.space ?? exported?.space;
  const warnings: string[] = [];

  const lease = new EmbeddedFolderLease(folder, { force: opts.force ?? false });
  const target = { name: opts.collection, tenant: opts.tenant || DEFAULT_TENANT, database: opts.database || DEFAULT_DATABASE };
  let created = false;
  let imported = 0;
  let collectionId: string | null = null;
  try {
    const found = await lease.run((f) => findOrCreateCollection(f, target, space));
    const coll = found.collection;
    created = found.created;
    collectionId = coll.id;
    const have = resolveHnswParams(coll).space;
    if (!created && space && have !== space) warnings.push(`collection ${opts.collection} uses space ${have}, not ${space}: distances will differ from the source's`);
    const progress = new ProgressReporter(opts.onProgress, info ? info.rows : size);
    const op = opts.mode === 'upsert' ? 'UPSERT' : 'ADD';
    const batches: AsyncGenerator<ImportBatch> = format === 'jsonl' ? readJsonl(path, batchSize, opts.signal) : readParquet(path, batchSize, opts.signal);
    for await (const batch of batches) {
      throwIfAborted(opts.signal);
      const seen = new Set<string>();
      const writes = batch.records.map((r, i) => {
        if (seen.has(r.id)) throw invalidArgument(`${path}: id "${r.id}" appears twice in one batch (records ${imported + 1}–${imported + batch.records.length})`);
        seen.add(r.id);
        return toWrite(r, `${path}: record ${imported + i + 1}`);
      });
      await lease.run((f) => f.writeRecords(coll.id, op, writes));
      imported += writes.length;
      progress.done = batch.position;
      progress.report(`imported ${imported} records into ${opts.collection}`);
    }
    progress.report(`imported ${imported} records into ${opts.collection}`, true);
    await lease.release();
    return {
      file: path,
      folder: resolve(folder),
      collection: { id: coll.id, name: coll.name, tenant: coll.tenant, database: coll.database },
      created,
      records: imported,
      warnings,
    };
  } catch (err) {
    const e = asCancelled(err, opts.signal);
    if (created && collectionId) {
      try {
        await lease.run((f) => f.deleteCollection(collectionId!));
        imported = 0;
      } catch {
        /* report the original error */
      }
    }
    await lease.release().catch(() => undefined);
    if (e instanceof InspectorError) {
      throw new InspectorError(e.code, e.message, { ...(e.details ?? {}), imported, rolledBack: created });
    }
    throw e;
  }
}
