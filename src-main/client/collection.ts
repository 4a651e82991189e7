import type { FolderCall } from '../engine/write/embedded-folder-lease.js';
import { MAX_BATCH_SIZE, type RecordWrite } from '../engine/write/record-writes.js';
import type { WriteOperation } from '../engine/write/wal-encode.js';
import { ChromaValueError, badRequest } from './errors.js';
import { badMetadataKey, toFloat32, toTypedCollectionMetadata, toTypedRecordMetadata } from './typed-input.js';
import {
  GetResult,
  QueryResult,
  type CollectionConfiguration,
  type CollectionMetadata,
  type DeleteResult,
  type EmbeddingFunction,
  type Include,
  type Metadata,
  type UpdateCollectionConfiguration,
  type Where,
  type WhereDocument,
} from './types.js';
import { enforce, type Violation } from '../engine/validation/rule-engine.js';
import { DELETE_CHECKS, GET_CHECKS, MODIFY_METADATA_CHECKS, QUERY_CHECKS, RECORD_WRITE_CHECKS } from '../engine/validation/client-operations.js';
import { configurationOf, metadataOf } from './collection-info.js';
import { validateCollectionName } from '../engine/validation/names.js';

/** The chromadb client reports its own argument checks as ChromaValueError. */
const valueError = (violation: Violation) => new ChromaValueError(violation.message);

/**
 * How a collection reaches its folder: the client that made it hands over its own private call
 * (the folder's queue, chromadb's errors), so neither class exposes a way into the engine.
 */
export type RunOnFolder = <T>(fn: FolderCall<T>) => Promise<T>;

interface RecordSetArgs {
  ids: string[];
  embeddings?: number[][];
  metadatas?: Metadata[];
  documents?: string[];
  uris?: string[];
}

/**
 * A collection of an embedded folder, with the methods, arguments, validation and result shapes
 * of the chromadb client's Collection. Reads go through the read engine, writes through the
 * write engine; both run in the folder's queue.
 */
export class Collection {
  readonly #run: RunOnFolder;
  private _name: string;
  private _metadata: CollectionMetadata | undefined;
  private _configuration: CollectionConfiguration;
  private _embeddingFunction: EmbeddingFunction | undefined;

  constructor(
    run: RunOnFolder,
    readonly id: string,
    readonly tenant: string,
    readonly database: string,
    init: { name: string; metadata: CollectionMetadata | undefined; configuration: CollectionConfiguration; embeddingFunction: EmbeddingFunction | undefined },
  ) {
    this.#run = run;
    this._name = init.name;
    this._metadata = init.metadata;
    this._configuration = init.configuration;
    this._embeddingFunction = init.embeddingFunction;
  }

  get name(): string {
    return this._name;
  }
  get metadata(): CollectionMetadata | undefined {
    return this._metadata;
  }
  get configuration(): CollectionConfiguration {
    return this._configuration;
  }
  get embeddingFunction(): EmbeddingFunction | undefined {
    return this._embeddingFunction;
  }
  /** chromadb exposes a Schema object here; the stored schema is available through ChromaFolder. */
  readonly schema = undefined;

  private async embed(inputs: string[], isQuery: boolean): Promise<number[][]> {
    const ef = this._embeddingFunction;
    if (!ef) {
      throw new ChromaValueError(
        `No embedding function found for collection '${this._name}'. You can either provide embeddings directly, or ensure the appropriate ` +
          'embedding function package (e.g. @chroma-core/default-embed) is installed.',
      );
    }
    if (isQuery && ef.generateForQueries) return ef.generateForQueries(inputs);
    return ef.generate(inputs);
  }

  /** chromadb's prepareRecords, then the server's request validation. */
  private async prepare(args: RecordSetArgs, update: boolean): Promise<RecordWrite[]> {
    const recordSet: RecordSetArgs = { ids: args.ids, embeddings: args.embeddings, documents: args.documents, metadatas: args.metadatas, uris: args.uris };
    enforce({ recordSet, update, maxBatchSize: MAX_BATCH_SIZE }, RECORD_WRITE_CHECKS, valueError);
    if (!recordSet.embeddings && recordSet.documents) recordSet.embeddings = await this.embed(recordSet.documents, false);
    recordSet.metadatas?.forEach((m, i) => {
      if (badMetadataKey(m)) throw badRequest(`Validation error: metadatas: Invalid metadata at index ${i}`);
    });
    return recordSet.ids.map((id, i) => ({
      id,
      vector: recordSet.embeddings ? toFloat32(recordSet.embeddings[i]!) : null,
      metadata: recordSet.metadatas ? toTypedRecordMetadata(recordSet.metadatas[i]) : null,
      ...(recordSet.documents ? { document: recordSet.documents[i]! } : {}),
      ...(recordSet.uris ? { uri: recordSet.uris[i]! } : {}),
    }));
  }

  private async write(op: WriteOperation, args: RecordSetArgs, update: boolean): Promise<void> {
    const records = await this.prepare(args, update);
    await this.#run((f) => f.writeRecords(this.id, op, records));
  }

  async count(_options?: { readLevel?: string }): Promise<number> {
    return this.#run(async (f) => {
      // The rows are counted ahead in slices: the event loop keeps turning.
      await f.reader.prepareCount(this.id);
      return f.reader.count(this.id);
    });
  }

  async add(args: RecordSetArgs): Promise<void> {
    await this.write('ADD', args, false);
  }

  async update(args: RecordSetArgs): Promise<void> {
    await this.write('UPDATE', args, true);
  }

  async upsert(args: RecordSetArgs): Promise<void> {
    await this.write('UPSERT', args, false);
  }

  async get<TMeta extends Metadata = Metadata>(
    args: Partial<{ ids: string[]; where: Where; limit: number; offset: number; whereDocument: WhereDocument; include: Include[] }> = {},
  ): Promise<GetResult<TMeta>> {
    const { ids, where, limit, offset, whereDocument, include = ['documents', 'metadatas'] } = args;
    enforce({ include, ids, where, whereDocument }, GET_CHECKS, valueError);
    const r = await this.#run(async (f) => {
      const args = { ids, where, limit, offset, whereDocument, include };
      // A filter's caches are built ahead in slices: the event loop keeps turning.
      await f.reader.prepareGet(this.id, args);
      return f.reader.get(this.id, args);
    });
    return new GetResult<TMeta>({
      documents: r.documents,
      embeddings: r.embeddings,
      ids: r.ids,
      include: r.include as Include[],
      metadatas: r.metadatas as (TMeta | null)[],
      uris: r.uris,
    });
  }

  async peek({ limit = 10 }: { limit?: number } = {}): Promise<GetResult> {
    return this.get({ limit });
  }

  async query<TMeta extends Metadata = Metadata>(args: {
    queryEmbeddings?: number[][];
    queryTexts?: string[];
    queryURIs?: string[];
    ids?: string[];
    nResults?: number;
    where?: Where;
    whereDocument?: WhereDocument;
    include?: Include[];
  }): Promise<QueryResult<TMeta>> {
    const { queryEmbeddings, queryTexts, ids, nResults = 10, where, whereDocument, include = ['metadatas', 'documents', 'distances'] } = args;
    enforce({ queryEmbeddings, queryTexts, include, ids, where, whereDocument, nResults }, QUERY_CHECKS, valueError);
    // The chromadb client fails on a flat vector (with a TypeError from its own checks); say why instead.
    if (Array.isArray(queryEmbeddings) && queryEmbeddings.some((e) => !Array.isArray(e))) {
      throw new ChromaValueError("Expected 'queryEmbeddings' to be a list of vectors (an array of arrays of numbers)");
    }
    const embeddings = queryEmbeddings ?? (await this.embed(queryTexts!, true));
    const query = { queryEmbeddings: embeddings, nResults, ids, where, whereDocument, include };
    const r = await this.#run(async (f) => {
      // What the search needs (a first one's checks of the files, or the vector load) is done in slices first: the event loop keeps turning.
      await f.reader.prepareQuery(this.id, query);
      return f.reader.query(this.id, query);
    });
    // The server leaves out what was not asked for; the client turns that into [].
    const pick = <T>(field: Include, value: T[][]): T[][] => (include.includes(field) ? value : []);
    // Chroma sends a distance that overflowed f32 as JSON null, which is what chromadb returns.
    const distances = r.distances.map((row) => row.map((d) => (Number.isFinite(d) ? d : null)));
    return new QueryResult<TMeta>({
      distances: pick('distances', distances),
      documents: pick('documents', r.documents),
      embeddings: pick('embeddings', r.embeddings),
      ids: r.ids,
      include: r.include as Include[],
      metadatas: pick('metadatas', r.metadatas) as (TMeta | null)[][],
      uris: pick('uris', r.uris),
    });
  }

  async modify({ name, metadata, configuration }: { name?: string; metadata?: CollectionMetadata; configuration?: UpdateCollectionConfiguration }): Promise<void> {
    enforce(metadata, MODIFY_METADATA_CHECKS, valueError);
    if (configuration?.hnsw && typeof configuration.hnsw !== 'object') {
      throw new ChromaValueError('Invalid HNSW config provided in UpdateCollectionConfiguration');
    }
    if (name) {
      const problem = validateCollectionName(name);
      if (problem) throw badRequest(`Validation error: name: ${problem}`);
    }
    const typed = metadata ? toTypedCollectionMetadata(metadata) : undefined;
    await this.#run(async (f) => {
      await f.modifyCollection(this.id, { name: name || undefined, metadata: typed ?? undefined, hnsw: configuration?.hnsw });
      const c = f.collection(this.id);
      this._name = c.name;
      this._metadata = metadataOf(c);
      this._configuration = configurationOf(c);
    });
    if (configuration?.embeddingFunction) this._embeddingFunction = configuration.embeddingFunction;
  }

  async delete({ ids, where, whereDocument, limit }: { ids?: string[]; where?: Where; whereDocument?: WhereDocument; limit?: number } = {}): Promise<DeleteResult> {
    enforce({ ids, where, whereDocument }, DELETE_CHECKS, valueError);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new Error('limit must be a non-negative integer');
    if (limit !== undefined && !where && !whereDocument) throw new Error('limit can only be specified when a where or whereDocument clause is provided');
    return this.#run(async (f) => {
      if (!ids && !where && !whereDocument) return { deleted: 0 };
      // With only ids, Chroma writes a delete for each id given; with a filter, for each match.
      const targets = !where && !whereDocument ? ids! : f.reader.get(this.id, { ids, where, whereDocument, limit, include: [] }).ids;
      if (targets.length > 0) await f.writeRecords(this.id, 'DELETE', targets.map((id) => ({ id })));
      return { deleted: targets.length };
    });
  }

  async fork(_args: { name: string }): Promise<Collection> {
    throw badRequest('Collection forking is unsupported for local chroma');
  }

  async forkCount(): Promise<number> {
    throw badRequest('Collection forking is unsupported for local chroma');
  }

  async search(): Promise<never> {
    throw badRequest('The search API is unsupported for local chroma');
  }

  async getIndexingStatus(): Promise<never> {
    throw badRequest('Indexing status is unsupported for local chroma');
  }
}
