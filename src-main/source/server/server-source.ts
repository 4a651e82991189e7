import type { AdminClient, ChromaClient, Collection } from 'chromadb';
import { InspectorError } from '../../../shared/errors.js';
import type { CollectionRef, CollectionSummary, Problem, TenantInfo } from '../../../shared/models.js';
import type { ServerEndpoint } from './server-endpoint.js';
import { fromClientError } from './server-errors.js';
import { probeServerVersion } from './server-probe.js';
import { listRestCollections, requestTimeoutMs, type RestCollection } from './server-rest.js';

type Chromadb = typeof import('chromadb');

const DEFAULT_TENANT = 'default_tenant';
const DEFAULT_DATABASE = 'default_database';
const PAGE = 100;

/** What `info` shows of a server: Chroma has no API to list tenants, so only the one in use. */
export interface ServerInfo {
  kind: 'server';
  url: string;
  version: string;
  api: 'v2';
  /** The server's `auth/identity` answer (who the credentials are, what they may see). */
  identity: { userId: string; tenant: string; databases: string[] } | null;
  tenant: string;
  database: string;
  tenants: TenantInfo[];
  problems: Problem[];
}

/**
 * A running Chroma server as a source, through the official chromadb client. Reads pass the
 * user's client argument object through unchanged, so answers (and Chroma's own errors) are the
 * server's. The client is imported only when a server is used: folder users never load it.
 */
export class ServerSource {
  private readonly clients = new Map<string, ChromaClient>();
  private readonly collections = new Map<string, Promise<Collection>>();

  private constructor(
    private readonly chromadb: Chromadb,
    readonly endpoint: ServerEndpoint,
    readonly version: string,
    readonly identity: ServerInfo['identity'],
    readonly tenant: string,
    readonly database: string,
  ) {}

  /** Checks the server answers the v2 API, then settles the tenant and database in use. */
  static async connect(endpoint: ServerEndpoint): Promise<ServerSource> {
    const version = await probeServerVersion(endpoint);
    const chromadb = await import('chromadb');
    const probe = new chromadb.ChromaClient(clientArgs(endpoint, DEFAULT_TENANT, DEFAULT_DATABASE));
    let identity: ServerInfo['identity'] = null;
    try {
      const id = await withTimeout(probe.getUserIdentity(), endpoint.url);
      identity = { userId: id.user_id, tenant: id.tenant, databases: [...id.databases] };
    } catch (err) {
      const mapped = fromClientError(err, endpoint.url);
      // Servers without auth/identity still serve reads; credentials problems stop here.
      if (mapped.code === 'UNAUTHORIZED' || mapped.code === 'SERVER_UNREACHABLE') throw mapped;
    }
    // As the official CloudClient does: a key scoped to one tenant and one database needs neither named.
    const tenant = endpoint.tenant ?? identity?.tenant ?? DEFAULT_TENANT;
    const onlyDatabase = identity && identity.databases.length === 1 && identity.databases[0] !== '*' ? identity.databases[0] : undefined;
    const database = endpoint.database ?? onlyDatabase ?? DEFAULT_DATABASE;
    return new ServerSource(chromadb, endpoint, version, identity, tenant, database);
  }

  get url(): string {
    return this.endpoint.url;
  }

  async info(): Promise<ServerInfo> {
    await this.checkScope(this.tenant, this.database);
    const problems: Problem[] = [];
    let names = [this.database];
    try {
      names = (await this.paged((offset) => this.admin().listDatabases({ tenant: this.tenant, limit: PAGE, offset }))).map((d) => d.name);
    } catch (err) {
      const e = fromClientError(err, this.url);
      problems.push({ severity: 'info', code: 'server.databases-hidden', message: `Cannot list the databases of tenant ${this.tenant} (${e.message}); showing ${this.database} only` });
    }
    const databases = [];
    for (const name of names) {
      databases.push({ id: name, name, tenant: this.tenant, collections: await this.listCollections({ tenant: this.tenant, database: name }) });
    }
    return { kind: 'server', url: this.url, version: this.version, api: 'v2', identity: this.identity, tenant: this.tenant, database: this.database, tenants: [{ name: this.tenant, databases }], problems };
  }

  /** Every collection of a database with its count and dimension. */
  async listCollections(scope: { tenant?: string; database?: string } = {}): Promise<CollectionSummary[]> {
    const tenant = scope.tenant ?? this.tenant;
    const database = scope.database ?? this.database;
    const all = await this.restCollections(tenant, database);
    const out: CollectionSummary[] = [];
    for (const c of all) out.push({ id: c.id, name: c.name, tenant, database, dimension: c.dimension ?? null, count: await this.count({ name: c.name, tenant, database }) });
    return out;
  }

  /** The collections of a database as the REST API describes them (metadata, configuration, dimension). */
  restCollections(tenant = this.tenant, database = this.database): Promise<RestCollection[]> {
    return this.call(() => listRestCollections(this.endpoint, tenant, database), tenant, database);
  }

  async count(ref: CollectionRef): Promise<number> {
    const collection = await this.collection(ref);
    return this.call(() => collection.count(), ref.tenant, ref.database);
  }

  /** `args` is the chromadb client's `get` argument object, passed through unchanged. */
  async get(ref: CollectionRef, args: unknown): Promise<unknown> {
    const collection = await this.collection(ref);
    return plain(await this.call(() => collection.get(args as Parameters<Collection['get']>[0]), ref.tenant, ref.database));
  }

  /** `args` is the chromadb client's `query` argument object, passed through unchanged. */
  async query(ref: CollectionRef, args: unknown): Promise<unknown> {
    const collection = await this.collection(ref);
    return plain(await this.call(() => collection.query(args as Parameters<Collection['query']>[0]), ref.tenant, ref.database));
  }

  private client(tenant = this.tenant, database = this.database): ChromaClient {
    const key = `${tenant}/${database}`;
    let client = this.clients.get(key);
    if (!client) this.clients.set(key, (client = new this.chromadb.ChromaClient(clientArgs(this.endpoint, tenant, database))));
    return client;
  }

  private admin(): AdminClient {
    return new this.chromadb.AdminClient({ host: this.endpoint.host, port: this.endpoint.port, ssl: this.endpoint.ssl, headers: this.endpoint.headers });
  }

  private collection(ref: CollectionRef): Promise<Collection> {
    const tenant = ref.tenant ?? this.tenant;
    const database = ref.database ?? this.database;
    const key = JSON.stringify([tenant, database, ref.name]);
    let found = this.collections.get(key);
    if (!found) {
      // No embedding function: reads pass vectors, and none is resolved (or downloaded) for them.
      found = this.call(() => this.client(tenant, database).getCollection({ name: ref.name, embeddingFunction: null as never }), tenant, database, ref.name);
      found.catch(() => this.collections.delete(key));
      this.collections.set(key, found);
    }
    return found;
  }

  /**
   * Runs a client call; a not-found (or a server error, which is how some Chroma versions answer
   * for an unknown tenant) is checked against the tenant and database so the message says which.
   */
  private async call<T>(fn: () => Promise<T>, tenant = this.tenant, database = this.database, collection?: string): Promise<T> {
    try {
      return await withTimeout(fn(), this.url);
    } catch (err) {
      const mapped = fromClientError(err, this.url);
      if (mapped.code === 'NOT_FOUND' || mapped.code === 'INTERNAL') {
        try {
          await this.checkScope(tenant, database);
        } catch (scopeErr) {
          // Only a clear "no such tenant/database" replaces the original error.
          if (scopeErr instanceof InspectorError && scopeErr.code === 'NOT_FOUND') throw scopeErr;
          throw mapped;
        }
        if (collection !== undefined && mapped.code === 'NOT_FOUND') {
          throw new InspectorError('NOT_FOUND', `Collection "${collection}" does not exist in ${tenant}/${database} on ${this.url}`, { server: this.url, tenant, database, collection });
        }
      }
      throw mapped;
    }
  }

  /** Throws NOT_FOUND naming the tenant or database when the server does not know it. */
  private async checkScope(tenant: string, database: string): Promise<void> {
    const admin = this.admin();
    const exists = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
        return true;
      } catch (err) {
        const mapped = fromClientError(err, this.url);
        if (mapped.code === 'NOT_FOUND') return false;
        throw mapped;
      }
    };
    if (!(await exists(() => admin.getTenant({ name: tenant })))) {
      throw new InspectorError('NOT_FOUND', `Tenant "${tenant}" does not exist on ${this.url}`, { server: this.url, tenant });
    }
    if (!(await exists(() => admin.getDatabase({ name: database, tenant })))) {
      throw new InspectorError('NOT_FOUND', `Database "${database}" does not exist in tenant "${tenant}" on ${this.url}`, { server: this.url, tenant, database });
    }
  }

  private async paged<T>(page: (offset: number) => Promise<T[]>): Promise<T[]> {
    const all: T[] = [];
    for (;;) {
      const batch = await page(all.length);
      all.push(...batch);
      if (batch.length < PAGE) return all;
    }
  }
}

/**
 * The chromadb client's requests have no time limit of their own (undici waits five minutes for
 * headers): a server that accepts a connection and never answers gets a clear error sooner.
 */
async function withTimeout<T>(work: Promise<T>, url: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limitMs = requestTimeoutMs();
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new InspectorError('SERVER_UNREACHABLE', `The Chroma server at ${url} sent no answer in ${limitMs / 1000} s`, { server: url })), limitMs);
    timer.unref();
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

function clientArgs(endpoint: ServerEndpoint, tenant: string, database: string) {
  return { host: endpoint.host, port: endpoint.port, ssl: endpoint.ssl, headers: endpoint.headers, tenant, database };
}

/** The client answers with class instances; the CLI and the contract carry plain JSON. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
