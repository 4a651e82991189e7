import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InspectorError, invalidArgument } from '../../../shared/errors.js';
import { SQLITE_FILE } from '../../engine/folder/folder-files.js';
import { validateCollectionName } from '../../engine/validation/names.js';
import { EmbeddedFolderLease } from '../../engine/write/embedded-folder-lease.js';
import { MAX_BATCH_SIZE } from '../../engine/write/record-writes.js';
import { folderCollectionSpec, folderCreateSettings } from './collection-spec.js';
import type { CollectionSpec, CopyRecord, CopyWriter, QueryHits } from './copy-types.js';
import { labelOf } from './folder-source.js';
import { folderCollections, folderPresentIds, folderQuery, folderRecords, scopeOf } from './folder-records.js';

/**
 * A folder written by a copy through the embedded write engine (the one PersistentClient uses),
 * batches going to its write queue directly because only typed records keep 2.0 a float. A path
 * that does not exist becomes a new Chroma folder; an existing folder must be a Chroma folder.
 */
export class FolderTarget implements CopyWriter {
  readonly maxBatchSize = MAX_BATCH_SIZE;
  readonly tenant: string;
  readonly database: string;
  private readonly lease: EmbeddedFolderLease;

  private constructor(
    readonly dir: string,
    scope: { tenant: string; database: string },
  ) {
    this.tenant = scope.tenant;
    this.database = scope.database;
    this.lease = new EmbeddedFolderLease(dir);
  }

  static open(path: string, tenant?: string, database?: string): FolderTarget {
    const dir = resolve(path);
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) throw invalidArgument(`${dir} is not a folder`);
      // Never scatter Chroma's files into a folder that holds something else.
      if (!existsSync(join(dir, SQLITE_FILE)) && readdirSync(dir).length > 0) {
        throw new InspectorError('NOT_A_CHROMA_FOLDER', `${dir} is not empty and not a Chroma folder: give a new path, an empty folder or a Chroma folder`, { path: dir });
      }
    }
    return new FolderTarget(dir, scopeOf(tenant, database));
  }

  get label(): string {
    return labelOf(this.dir, this.tenant, this.database);
  }

  async ensureScope(): Promise<string[]> {
    return this.lease.run(async (f) => {
      const created: string[] = [];
      if (await f.createTenant(this.tenant)) created.push(`tenant ${this.tenant}`);
      if (await f.createDatabase(this.tenant, this.database)) created.push(`database ${this.tenant}/${this.database}`);
      return created;
    });
  }

  listCollections(): Promise<CollectionSpec[]> {
    return this.lease.run((f) => folderCollections(f.reader, this.tenant, this.database));
  }

  async findCollection(name: string): Promise<CollectionSpec | null> {
    return (await this.listCollections()).find((c) => c.name === name) ?? null;
  }

  async createCollection(from: CollectionSpec): Promise<{ collection: CollectionSpec; warnings: string[] }> {
    const problem = validateCollectionName(from.name);
    if (problem) throw invalidArgument(`Validation error: name: ${problem}`);
    const { hnsw, embeddingFunction, warnings } = folderCreateSettings(from);
    return this.lease.run(async (f) => {
      const databaseId = f.reader.catalog.databases.find((d) => d.tenant === this.tenant && d.name === this.database)?.id;
      if (!databaseId) throw invalidArgument(`Database [${this.database}] does not exist`);
      const { id } = await f.createCollection({ databaseId, name: from.name, metadata: from.metadata, hnsw, embeddingFunction, getOrCreate: false });
      return { collection: folderCollectionSpec(f.collection(id)), warnings };
    });
  }

  count(c: CollectionSpec): Promise<number> {
    return this.lease.run((f) => f.reader.count(c.id));
  }

  readPage(c: CollectionSpec, offset: number, limit: number): Promise<CopyRecord[]> {
    return this.lease.run((f) => folderRecords(f.reader, c.id, { offset, limit }));
  }

  readIds(c: CollectionSpec, ids: readonly string[]): Promise<CopyRecord[]> {
    return this.lease.run((f) => folderRecords(f.reader, c.id, { ids }));
  }

  presentIds(c: CollectionSpec, ids: readonly string[]): Promise<Set<string>> {
    return this.lease.run((f) => folderPresentIds(f.reader, c.id, ids));
  }

  query(c: CollectionSpec, embeddings: readonly Float32Array[], k: number): Promise<QueryHits[]> {
    return this.lease.run((f) => folderQuery(f.reader, c.id, embeddings, k));
  }

  /** One write transaction per batch of at most MAX_BATCH_SIZE: an interrupted copy leaves whole batches. */
  async add(c: CollectionSpec, records: readonly CopyRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += MAX_BATCH_SIZE) {
      const writes = records.slice(i, i + MAX_BATCH_SIZE).map((r) => ({ id: r.id, vector: r.embedding, metadata: r.metadata, document: r.document, uri: r.uri }));
      await this.lease.run((f) => f.writeRecords(c.id, 'ADD', writes));
    }
  }

  dropCollection(c: CollectionSpec): Promise<void> {
    return this.lease.run((f) => f.deleteCollection(c.id));
  }

  /** Persists the HNSW checkpoints, as closing would, so verification queries the index Chroma will load. */
  settle(): Promise<void> {
    return this.lease.run((f) => f.flush());
  }

  close(): Promise<void> {
    return this.lease.release();
  }
}
