import type { EmbeddedFolder } from '../engine/write/embedded-folder.js';
import { EmbeddedFolderLease, type FolderCall } from '../engine/write/embedded-folder-lease.js';
import { tenantNameProblem, validateCollectionName } from '../engine/validation/names.js';
import { ChromaUniqueError, ChromaValueError, UNIQUE_MESSAGE, badRequest, notFound, toChromaError } from './errors.js';
import type { Database } from './types.js';

export interface PersistentAdminClientArgs {
  /** The Chroma folder. A path that does not exist becomes a new folder. */
  path: string;
  /** Write even though another process (perhaps a Chroma server) has the folder open. */
  force?: boolean;
}

/** The `chromadb` AdminClient over a persistent folder: tenants and databases. */
export class PersistentAdminClient {
  readonly path: string;
  readonly #lease: EmbeddedFolderLease;
  private closed = false;

  constructor(args: PersistentAdminClientArgs) {
    if (!args || typeof args.path !== 'string' || args.path === '') {
      throw new ChromaValueError("PersistentAdminClient needs the folder's path: new PersistentAdminClient({ path })");
    }
    this.path = args.path;
    this.#lease = new EmbeddedFolderLease(args.path, { force: args.force ?? false });
  }

  async #run<T>(fn: FolderCall<T>): Promise<T> {
    if (this.closed) throw new ChromaValueError('This PersistentAdminClient is closed');
    try {
      return await this.#lease.run(fn);
    } catch (err) {
      throw toChromaError(err);
    }
  }

  private find(f: EmbeddedFolder, tenant: string, name: string): Database | null {
    const d = f.reader.catalog.databases.find((x) => x.tenant === tenant && x.name === name);
    return d ? { id: d.id, name: d.name, tenant: d.tenant } : null;
  }

  async createTenant({ name }: { name: string }): Promise<void> {
    await this.#run(async (f) => {
      const problem = tenantNameProblem(name);
      if (problem) throw badRequest(problem);
      if (!(await f.createTenant(name))) throw new ChromaUniqueError(UNIQUE_MESSAGE);
    });
  }

  async getTenant({ name }: { name: string }): Promise<string> {
    return this.#run((f) => {
      if (!f.reader.catalog.tenants.includes(name)) throw notFound();
      return name;
    });
  }

  async createDatabase({ name, tenant }: { name: string; tenant: string }): Promise<void> {
    await this.#run(async (f) => {
      const problem = validateCollectionName(name);
      if (problem) throw badRequest(problem);
      if (!(await f.createDatabase(tenant, name))) throw new ChromaUniqueError(UNIQUE_MESSAGE);
    });
  }

  async getDatabase({ name, tenant }: { name: string; tenant: string }): Promise<Database> {
    return this.#run((f) => {
      if ([...name].length < 3) throw badRequest('database name must be at least 3 characters');
      const d = this.find(f, tenant, name);
      if (!d) throw notFound();
      return d;
    });
  }

  async listDatabases({ tenant, limit = 100, offset = 0 }: { tenant: string; limit?: number; offset?: number }): Promise<Database[]> {
    return this.#run((f) =>
      f.reader.catalog.databases
        .filter((d) => d.tenant === tenant)
        .slice(offset, offset + limit)
        .map((d) => ({ id: d.id, name: d.name, tenant: d.tenant })),
    );
  }

  async deleteDatabase({ name, tenant }: { name: string; tenant: string }): Promise<void> {
    await this.#run(async (f) => {
      if (!this.find(f, tenant, name)) throw notFound();
      await f.deleteDatabase(tenant, name);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.#lease.release();
  }
}
