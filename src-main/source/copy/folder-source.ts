import { resolve } from 'node:path';
import { InspectorError } from '../../../shared/errors.js';
import { ChromaFolder } from '../../engine/chroma-folder.js';
import type { CollectionSpec, CopyReader, CopyRecord, QueryHits } from './copy-types.js';
import { folderCollections, folderQuery, folderRecords, scopeOf } from './folder-records.js';

/** A folder read for a copy: opened read-only by the read engine, so nothing in it is ever written. */
export class FolderSource implements CopyReader {
  readonly tenant: string;
  readonly database: string;

  private constructor(
    private readonly folder: ChromaFolder,
    scope: { tenant: string; database: string },
  ) {
    this.tenant = scope.tenant;
    this.database = scope.database;
  }

  static open(path: string, tenant?: string, database?: string): FolderSource {
    const folder = ChromaFolder.open(resolve(path));
    const scope = scopeOf(tenant, database);
    if (!folder.catalog.databases.some((d) => d.tenant === scope.tenant && d.name === scope.database)) {
      folder.close();
      throw new InspectorError('NOT_FOUND', `Database ${scope.tenant}/${scope.database} does not exist in ${folder.dir}`, { ...scope, path: folder.dir });
    }
    return new FolderSource(folder, scope);
  }

  get label(): string {
    return labelOf(this.folder.dir, this.tenant, this.database);
  }

  async listCollections(): Promise<CollectionSpec[]> {
    return folderCollections(this.folder, this.tenant, this.database);
  }

  async findCollection(name: string): Promise<CollectionSpec | null> {
    return (await this.listCollections()).find((c) => c.name === name) ?? null;
  }

  async count(c: CollectionSpec): Promise<number> {
    return this.folder.count(c.id);
  }

  async readPage(c: CollectionSpec, offset: number, limit: number): Promise<CopyRecord[]> {
    return folderRecords(this.folder, c.id, { offset, limit });
  }

  async readIds(c: CollectionSpec, ids: readonly string[]): Promise<CopyRecord[]> {
    return folderRecords(this.folder, c.id, { ids });
  }

  async query(c: CollectionSpec, embeddings: readonly Float32Array[], k: number): Promise<QueryHits[]> {
    return folderQuery(this.folder, c.id, embeddings, k);
  }

  async close(): Promise<void> {
    this.folder.close();
  }
}

/** A folder in messages: its path, and the tenant/database when not the default ones. */
export function labelOf(dir: string, tenant: string, database: string): string {
  const scope = scopeOf();
  return tenant === scope.tenant && database === scope.database ? dir : `${dir} (${tenant}/${database})`;
}
