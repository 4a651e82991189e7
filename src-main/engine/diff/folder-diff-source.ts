import { InspectorError } from '../../../shared/errors.js';
import type { ChromaFolder } from '../chroma-folder.js';
import { withLoadProgress, type LoadReporter } from '../util/load-progress.js';
import { allIds, folderDiffRecords, folderDiffSettings } from './diff-collection.js';
import type { DiffCollection, DiffRecord, DiffSettings, DiffSource } from './diff-source.js';

/**
 * A folder as one side of a diff with a server, scoped to one tenant/database as the server is.
 * Each read is a snapshot of its own (a read transaction cannot stay open across the server's
 * answers without holding up a running Chroma), re-finding the collection by id in it.
 */
export class FolderDiffSource implements DiffSource {
  private constructor(
    private readonly folder: ChromaFolder,
    readonly label: string,
    readonly tenant: string,
    readonly database: string,
    private readonly report?: LoadReporter,
  ) {}

  /** `report` receives the loads of vectors and WAL tails the reads make. */
  static open(folder: ChromaFolder, scope: { label: string; tenant: string; database: string; report?: LoadReporter }): FolderDiffSource {
    if (!folder.catalog.databases.some((d) => d.tenant === scope.tenant && d.name === scope.database)) {
      throw new InspectorError('NOT_FOUND', `Database ${scope.tenant}/${scope.database} does not exist in ${scope.label}`, { tenant: scope.tenant, database: scope.database });
    }
    return new FolderDiffSource(folder, scope.label, scope.tenant, scope.database, scope.report);
  }

  async collections(): Promise<DiffCollection[]> {
    return this.read(() =>
      this.folder
        .collectionReaders()
        .filter((r) => r.catalog.tenant === this.tenant && r.catalog.database === this.database)
        .map((r) => this.side(r.catalog.id, r.catalog.name, folderDiffSettings(r))),
    );
  }

  async collection(name: string): Promise<DiffCollection> {
    return this.read(() => {
      const r = this.folder.collection({ name, tenant: this.tenant, database: this.database });
      return this.side(r.catalog.id, name, folderDiffSettings(r));
    });
  }

  private side(id: string, name: string, settings: DiffSettings): DiffCollection {
    const read = <T>(fn: () => T) => this.read(fn);
    const folder = this.folder;
    return {
      tenant: this.tenant,
      database: this.database,
      name,
      settings,
      ids: () => read(() => allIds(folder.collection(id))),
      records: (ids) =>
        read(() => {
          const out = new Map<string, DiffRecord>();
          // A copy of each vector: the next snapshot may rebuild the collection's slab.
          for (const [k, r] of folderDiffRecords(folder.collection(id), ids)) out.set(k, { ...r, embedding: r.embedding && Float32Array.from(r.embedding) });
          return out;
        }),
    };
  }

  private async read<T>(fn: () => T): Promise<T> {
    return withLoadProgress(this.report, () => this.folder.snapshot(fn));
  }
}
