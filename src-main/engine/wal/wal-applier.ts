import { InspectorError } from '../../../shared/errors.js';
import type { CatalogCollection } from '../catalog/read-catalog.js';
import { chromaHnswConfig, resolveHnswParams } from '../catalog/hnsw-params.js';
import type { TypedValue } from '../util/typed-value.js';
import type { EmbeddedFolder } from '../write/embedded-folder.js';
import type { HnswConfig } from '../write/collection-config.js';
import { MAX_BATCH_SIZE, type RecordWrite } from '../write/record-writes.js';
import * as sysdb from '../write/sysdb-writes.js';
import type { WriteOperation } from '../write/wal-encode.js';
import type { WalRecord } from './decode-row.js';

const WRITE_OPS: readonly string[] = ['ADD', 'UPDATE', 'UPSERT', 'DELETE'];
const MAX_WARNINGS = 50;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The collection's embedding function configuration, where a 1.x folder stored one (docs/format.md §3.2, §3.3). */
function embeddingFunctionOf(c: CatalogCollection): unknown {
  if (isObj(c.configJson) && c.configJson.embedding_function !== undefined) return c.configJson.embedding_function;
  const s = c.schemaJson;
  const config = isObj(s) && isObj(s.keys) && isObj(s.keys['#embedding']) && isObj(s.keys['#embedding'].float_list) ? s.keys['#embedding'].float_list : null;
  const vi = isObj(config) && isObj(config.vector_index) && isObj(config.vector_index.config) ? config.vector_index.config : null;
  return vi?.embedding_function ?? null;
}

/** One WAL entry as the write engine takes it: the same operation, id, vector, metadata (null = delete the key), document and URI. */
function toRecordWrite(r: WalRecord): RecordWrite {
  const metadata = new Map<string, TypedValue | null>(r.metadata);
  for (const k of r.deletedKeys) metadata.set(k, null);
  const w: RecordWrite = { id: r.id };
  if (r.vector) w.vector = r.vector;
  if (metadata.size > 0) w.metadata = metadata;
  if (r.document !== undefined) w.document = r.document;
  if (r.uri !== undefined) w.uri = r.uri;
  return w;
}

interface Batch {
  collectionId: string;
  op: WriteOperation;
  rows: WalRecord[];
}

/**
 * Re-applies decoded WAL entries to a new folder through the write engine, in seq order:
 * consecutive entries of one collection and operation go in one write call (the engine applies a
 * call's records in order, as Chroma applies a batch), and a call that fails is retried entry by
 * entry so that only the entries Chroma could not apply either are skipped, each with a warning.
 */
export class WalApplier {
  readonly applied = new Map<string, number>();
  readonly skipped = new Map<string, number>();
  readonly warnings: string[] = [];
  private warned = 0;
  private orphanRows = 0;
  private batch: Batch | null = null;

  constructor(private readonly out: EmbeddedFolder) {}

  /** Creates `c` (and its tenant and database) in the new folder with the same name, metadata and HNSW configuration; returns its new id. */
  async createCollection(c: CatalogCollection): Promise<string> {
    const w = this.out.writer;
    if (!sysdb.tenantExists(w, c.tenant)) await this.out.createTenant(c.tenant);
    if (!sysdb.findDatabase(w, c.tenant, c.database)) await this.out.createDatabase(c.tenant, c.database);
    const database = sysdb.findDatabase(w, c.tenant, c.database)!;
    const p = resolveHnswParams(c);
    const hnsw: Partial<HnswConfig> = {
      ...chromaHnswConfig(p),
      batch_size: p.batchSize,
      ...(p.numThreads !== null ? { num_threads: p.numThreads } : {}),
    };
    const metadata = c.metadata.size > 0 ? c.metadata : null;
    return (await this.out.createCollection({ databaseId: database.id, name: c.name, metadata, hnsw, embeddingFunction: embeddingFunctionOf(c), getOrCreate: false })).id;
  }

  private warn(text: string): void {
    if (this.warned++ < MAX_WARNINGS) this.warnings.push(text);
  }

  private skip(collectionId: string, r: WalRecord, why: string): void {
    this.skipped.set(collectionId, (this.skipped.get(collectionId) ?? 0) + 1);
    this.warn(`WAL entry ${r.seqId} (${r.operation} "${r.id}") skipped: ${why}`);
  }

  /** Applies `rows` (in seq order); `collectionOf` maps a WAL topic to the new collection id. */
  async apply(rows: readonly WalRecord[], collectionOf: (topic: string) => string | null): Promise<void> {
    for (const r of rows) {
      const collectionId = collectionOf(r.topic);
      if (!collectionId) {
        this.orphanRows++;
        continue;
      }
      if (!WRITE_OPS.includes(r.operation) || r.problem) {
        // BACKFILL_FN (4) is ignored by local Chroma; anything else it cannot apply either (docs/format.md §4.1).
        await this.flush();
        this.skip(collectionId, r, r.problem ?? `operation ${r.operation} is not applied by local Chroma`);
        continue;
      }
      const op = r.operation as WriteOperation;
      if (this.batch && (this.batch.collectionId !== collectionId || this.batch.op !== op || this.batch.rows.length >= MAX_BATCH_SIZE)) await this.flush();
      this.batch ??= { collectionId, op, rows: [] };
      this.batch.rows.push(r);
    }
  }

  private async flush(): Promise<void> {
    const b = this.batch;
    this.batch = null;
    if (!b || b.rows.length === 0) return;
    try {
      await this.out.writeRecords(b.collectionId, b.op, b.rows.map(toRecordWrite));
      this.applied.set(b.collectionId, (this.applied.get(b.collectionId) ?? 0) + b.rows.length);
      return;
    } catch (err) {
      if (!(err instanceof InspectorError) || b.rows.length === 1) {
        if (err instanceof InspectorError) return this.skip(b.collectionId, b.rows[0]!, err.message);
        throw err;
      }
    }
    for (const r of b.rows) {
      try {
        await this.out.writeRecords(b.collectionId, b.op, [toRecordWrite(r)]);
        this.applied.set(b.collectionId, (this.applied.get(b.collectionId) ?? 0) + 1);
      } catch (err) {
        if (!(err instanceof InspectorError)) throw err;
        this.skip(b.collectionId, r, err.message);
      }
    }
  }

  /** Applies what is still batched; summarises what was not applied. */
  async finish(): Promise<void> {
    await this.flush();
    if (this.orphanRows > 0) this.warnings.push(`${this.orphanRows} WAL entries belong to no collection of the folder (a deleted collection's leftovers) and were not replayed`);
    if (this.warned > MAX_WARNINGS) this.warnings.push(`… and ${this.warned - MAX_WARNINGS} more skipped entries`);
  }
}
