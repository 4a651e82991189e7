import { InspectorError } from '../../shared/errors.js';
import type { CatalogCollection } from '../engine/catalog/read-catalog.js';
import { DEFAULT_DATABASE, DEFAULT_TENANT } from '../engine/catalog/read-catalog.js';
import type { EmbeddedFolder } from '../engine/write/embedded-folder.js';
import { EmbeddedFolderLease, type FolderCall } from '../engine/write/embedded-folder-lease.js';
import { MAX_BATCH_SIZE } from '../engine/write/record-writes.js';
import { validateCollectionName } from '../engine/validation/names.js';
import { Collection, type RunOnFolder } from './collection.js';
import { configurationOf, metadataOf } from './collection-info.js';
import { ChromaForbiddenError, ChromaValueError, FORBIDDEN_MESSAGE, badRequest, notFound, toChromaError } from './errors.js';
import { badMetadataKey, toTypedCollectionMetadata } from './typed-input.js';
import type { CollectionMetadata, CreateCollectionConfiguration, EmbeddingFunction } from './types.js';
import { recordedDefault } from './default-embedding-function.js';
import { recordedFunction } from '../engine/embed/recorded-function.js';

export interface PersistentClientArgs {
  /** The Chroma folder. A path that does not exist becomes a new folder with Chroma's current schema. */
  path: string;
  tenant?: string;
  database?: string;
  /** `reset()` deletes everything; like Chroma's ALLOW_RESET it is refused unless enabled. */
  allowReset?: boolean;
  /** Write even though another process (perhaps a Chroma server) has the folder open. */
  force?: boolean;
}

/** How the chromadb client serialises an embedding function into the collection configuration. */
function embeddingFunctionConfig(ef: EmbeddingFunction): Record<string, unknown> {
  const ctor = (ef as { constructor?: { buildFromConfig?: unknown } }).constructor;
  if (!ef.getConfig || !ef.name || !ctor?.buildFromConfig) return { type: 'legacy' };
  return { name: ef.name, type: 'known', config: ef.getConfig() };
}

/**
 * Chroma without a server: the `chromadb` JS client's ChromaClient API over a persistent folder
 * in this process. Code written for ChromaClient runs by changing only the constructor; folders
 * it writes are Chroma's own format, so a Chroma server can open them later (and the other way
 * round). The folder is opened on the first call; `close()` flushes the HNSW checkpoints.
 */
export class PersistentClient {
  readonly path: string;
  private readonly _tenant: string;
  private readonly _database: string;
  private readonly allowReset: boolean;
  readonly #lease: EmbeddedFolderLease;
  /** What this client's collections run their calls with; private to the two of them. */
  readonly #runForCollections: RunOnFolder = (fn) => this.#run(fn);
  private closed = false;

  constructor(args: PersistentClientArgs) {
    if (!args || typeof args.path !== 'string' || args.path === '') {
      throw new ChromaValueError("PersistentClient needs the folder's path: new PersistentClient({ path })");
    }
    this.path = args.path;
    this._tenant = args.tenant || DEFAULT_TENANT;
    this._database = args.database || DEFAULT_DATABASE;
    this.allowReset = args.allowReset ?? false;
    this.#lease = new EmbeddedFolderLease(args.path, { force: args.force ?? false });
  }

  get tenant(): string {
    return this._tenant;
  }

  get database(): string {
    return this._database;
  }

  /**
   * Runs `fn` on the open folder, one call at a time, with chromadb's errors. Private (a `#`
   * member, absent from the published types too): the public API is exactly chromadb's.
   */
  async #run<T>(fn: FolderCall<T>): Promise<T> {
    if (this.closed) throw new ChromaValueError('This PersistentClient is closed');
    try {
      return await this.#lease.run(fn);
    } catch (err) {
      throw toChromaError(err);
    }
  }

  private databaseId(f: EmbeddedFolder): string | null {
    return f.reader.catalog.databases.find((d) => d.tenant === this._tenant && d.name === this._database)?.id ?? null;
  }

  private collectionsHere(f: EmbeddedFolder): CatalogCollection[] {
    return f.reader.catalog.collections
      .filter((c) => c.tenant === this._tenant && c.database === this._database)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private byName(f: EmbeddedFolder, name: string): CatalogCollection {
    const c = this.collectionsHere(f).find((x) => x.name === name);
    if (!c) throw notFound(new InspectorError('NOT_FOUND', `Collection ${name} does not exist in ${this._tenant}/${this._database}`));
    return c;
  }

  private wrap(c: CatalogCollection, embeddingFunction: EmbeddingFunction | undefined): Collection {
    return new Collection(this.#runForCollections, c.id, c.tenant, c.database, {
      name: c.name,
      metadata: metadataOf(c),
      configuration: configurationOf(c),
      // None passed: Chroma's default where the collection recorded it (the chromadb client loads
      // @chroma-core/default-embed there); ours runs the model Chroma caches.
      embeddingFunction: embeddingFunction ?? recordedDefault(recordedFunction(c).name),
    });
  }

  /** Chroma's nanosecond heartbeat. */
  async heartbeat(): Promise<number> {
    return this.#run(() => Date.now() * 1_000_000);
  }

  /** The API version a Chroma 1.x server reports. */
  async version(): Promise<string> {
    return '1.0.0';
  }

  async getPreflightChecks(): Promise<{ max_batch_size: number; supports_base64_encoding: boolean }> {
    return { max_batch_size: MAX_BATCH_SIZE, supports_base64_encoding: true };
  }

  async getMaxBatchSize(): Promise<number> {
    return MAX_BATCH_SIZE;
  }

  async supportsBase64Encoding(): Promise<boolean> {
    return true;
  }

  async getUserIdentity(): Promise<{ user_id: string; tenant: string; databases: string[] }> {
    return { user_id: '', tenant: this._tenant, databases: [this._database] };
  }

  async listCollections(args?: Partial<{ limit: number; offset: number }>): Promise<Collection[]> {
    const { limit = 100, offset = 0 } = args || {};
    return this.#run((f) => this.collectionsHere(f).slice(offset, offset + limit).map((c) => this.wrap(c, undefined)));
  }

  async countCollections(): Promise<number> {
    return this.#run((f) => this.collectionsHere(f).length);
  }

  private async create(
    args: { name: string; configuration?: CreateCollectionConfiguration; metadata?: CollectionMetadata; embeddingFunction?: EmbeddingFunction | null },
    getOrCreate: boolean,
  ): Promise<Collection> {
    const { name, metadata, embeddingFunction } = args;
    let configuration = args.configuration;
    // processCreateCollectionConfig, as the chromadb client runs it.
    if (configuration?.hnsw && configuration?.spann) throw new ChromaValueError('Cannot specify both HNSW and SPANN configurations');
    if (embeddingFunction && configuration?.embeddingFunction) {
      throw new ChromaValueError('Embedding function provided when already defined in the collection configuration');
    }
    const ef = embeddingFunction || configuration?.embeddingFunction;
    let efConfig: Record<string, unknown> | null = ef ? embeddingFunctionConfig(ef) : null;
    // No embedding function at all (not even null): the client records its default one.
    if (!efConfig && embeddingFunction !== null) efConfig = { type: 'known', name: 'default', config: {} };
    if (ef?.defaultSpace && configuration?.hnsw === undefined && configuration?.spann === undefined && metadata?.['hnsw:space'] === undefined) {
      configuration = { ...configuration, hnsw: { space: ef.defaultSpace() } };
    }
    const typed = toTypedCollectionMetadata(metadata);
    return this.#run(async (f) => {
      const nameProblem = validateCollectionName(name);
      if (nameProblem) throw badRequest(`Validation error: name: ${nameProblem}`);
      if (metadata !== undefined && metadata !== null) {
        if (Object.keys(metadata).length === 0) throw badRequest('Validation error: metadata: Metadata cannot be empty');
        const keyProblem = badMetadataKey(metadata);
        if (keyProblem) throw badRequest(`Validation error: metadata: ${keyProblem}`);
      }
      if (configuration?.spann) throw badRequest('SPANN configuration is not supported for local chroma');
      const databaseId = this.databaseId(f);
      if (!databaseId) throw badRequest(`Database [${this._database}] does not exist`);
      const { id } = await f.createCollection({
        databaseId,
        name,
        metadata: typed,
        hnsw: configuration?.hnsw ?? null,
        embeddingFunction: efConfig,
        getOrCreate,
      });
      return this.wrap(f.collection(id), embeddingFunction ?? undefined);
    });
  }

  async createCollection(args: {
    name: string;
    configuration?: CreateCollectionConfiguration;
    metadata?: CollectionMetadata;
    embeddingFunction?: EmbeddingFunction | null;
    schema?: unknown;
  }): Promise<Collection> {
    return this.create(args, false);
  }

  async getOrCreateCollection(args: {
    name: string;
    configuration?: CreateCollectionConfiguration;
    metadata?: CollectionMetadata;
    embeddingFunction?: EmbeddingFunction | null;
    schema?: unknown;
  }): Promise<Collection> {
    return this.create(args, true);
  }

  async getCollection({ name, embeddingFunction }: { name: string; embeddingFunction?: EmbeddingFunction | null }): Promise<Collection> {
    return this.#run((f) => this.wrap(this.byName(f, name), embeddingFunction ?? undefined));
  }

  async getCollectionById(id: string): Promise<Collection> {
    return this.#run((f) => {
      const c = this.collectionsHere(f).find((x) => x.id === id);
      if (!c) throw notFound();
      return this.wrap(c, undefined);
    });
  }

  async getCollections(items: string[] | { name: string; embeddingFunction?: EmbeddingFunction }[]): Promise<Collection[]> {
    const list = items.map((item) => (typeof item === 'string' ? { name: item } : item));
    return Promise.all(list.map((item) => this.getCollection(item)));
  }

  /** A handle by id, without a lookup (chromadb's `collection(id)`). */
  collection(id: string): Collection {
    return new Collection(this.#runForCollections, id, this._tenant, this._database, { name: '', metadata: undefined, configuration: {}, embeddingFunction: undefined });
  }

  async deleteCollection({ name }: { name: string }): Promise<void> {
    await this.#run((f) => f.deleteCollection(this.byName(f, name).id));
  }

  /** Deletes every collection, tenant and database. Refused unless the client was created with `allowReset: true`. */
  async reset(): Promise<void> {
    if (!this.allowReset) throw new ChromaForbiddenError(FORBIDDEN_MESSAGE);
    await this.#run((f) => f.reset());
  }

  /** Persists pending HNSW checkpoints and releases the folder (the last client on it closes the connections). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.#lease.release();
  }
}
