import { InspectorError } from '../../../shared/errors.js';
import { embeddingToJson } from '../../engine/backup/record-format.js';
import type { TypedMetadata } from '../../engine/util/typed-value.js';
import type { ServerEndpoint } from './server-endpoint.js';
import { serverRequest } from './server-rest.js';
import { addBody, embeddingOf, encodeRecord, numberOf, parseLossless, typedMetadataOf, userMetadata, type EncodedRecord, type TypedRecord } from './server-records-json.js';

/** Below Chroma's default max payload (40 MB), with room for the JSON around the records. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const PAGE = 100;

/** A collection as the v2 API describes it, its metadata typed. */
export interface ServerCollection {
  id: string;
  name: string;
  tenant: string;
  database: string;
  dimension: number | null;
  metadata: TypedMetadata | null;
  /** `configuration_json` as the server answers it: hnsw or spann, embedding_function. */
  configuration: Record<string, unknown> | null;
  /** `schema` (Chroma 1.3+), which then says the index's parameters and embedding function. */
  schema: Record<string, unknown> | null;
}

export interface PreFlight {
  maxBatchSize: number;
  base64: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const seg = encodeURIComponent;

/**
 * The record data path of Chroma's v2 HTTP API over fetch, for copies: the chromadb client
 * loses float-vs-int in metadata, so reads and writes of records go through here, parsed and
 * written losslessly (server-records-json.ts), with the endpoint's headers. One tenant/database.
 */
export class ServerRecordsHttp {
  constructor(
    readonly endpoint: ServerEndpoint,
    readonly tenant: string,
    readonly database: string,
    private readonly signal?: AbortSignal,
  ) {}

  private get base(): string {
    return `/api/v2/tenants/${seg(this.tenant)}/databases/${seg(this.database)}/collections`;
  }

  /** One request; HTTP failures become InspectorErrors carrying Chroma's own message. */
  async request(method: 'GET' | 'POST' | 'DELETE', path: string, body?: string): Promise<unknown> {
    const text = await serverRequest(this.endpoint, method, path, { ...(body === undefined ? {} : { body }), ...(this.signal ? { signal: this.signal } : {}) });
    return text === '' ? null : parseLossless(text);
  }

  async preFlight(): Promise<PreFlight> {
    const answer = await this.request('GET', '/api/v2/pre-flight-checks');
    const max = isObj(answer) ? numberOf(answer.max_batch_size) : null;
    return { maxBatchSize: max !== null && max > 0 ? max : 1000, base64: isObj(answer) && answer.supports_base64_encoding === true };
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.request('GET', path);
      return true;
    } catch (err) {
      if (err instanceof InspectorError && err.code === 'NOT_FOUND') return false;
      throw err;
    }
  }

  /** Creates the tenant and the database when missing; returns what it created. */
  async ensureScope(): Promise<string[]> {
    const created: string[] = [];
    if (!(await this.exists(`/api/v2/tenants/${seg(this.tenant)}`))) {
      await this.request('POST', '/api/v2/tenants', JSON.stringify({ name: this.tenant }));
      created.push(`tenant ${this.tenant}`);
    }
    if (!(await this.exists(`/api/v2/tenants/${seg(this.tenant)}/databases/${seg(this.database)}`))) {
      await this.request('POST', `/api/v2/tenants/${seg(this.tenant)}/databases`, JSON.stringify({ name: this.database }));
      created.push(`database ${this.tenant}/${this.database}`);
    }
    return created;
  }

  /** Throws NOT_FOUND naming the tenant or database the server does not know (listing them would answer []). */
  async checkScope(): Promise<void> {
    if (!(await this.exists(`/api/v2/tenants/${seg(this.tenant)}`))) {
      throw new InspectorError('NOT_FOUND', `Tenant "${this.tenant}" does not exist on ${this.endpoint.url}`, { server: this.endpoint.url, tenant: this.tenant });
    }
    if (!(await this.exists(`/api/v2/tenants/${seg(this.tenant)}/databases/${seg(this.database)}`))) {
      throw new InspectorError('NOT_FOUND', `Database "${this.database}" does not exist in tenant "${this.tenant}" on ${this.endpoint.url}`, {
        server: this.endpoint.url,
        tenant: this.tenant,
        database: this.database,
      });
    }
  }

  async listCollections(): Promise<ServerCollection[]> {
    const all: ServerCollection[] = [];
    for (;;) {
      const page = await this.request('GET', `${this.base}?limit=${PAGE}&offset=${all.length}`);
      const items = Array.isArray(page) ? page : [];
      all.push(...items.map((c) => this.collectionOf(c)));
      if (items.length < PAGE) return all;
    }
  }

  async getCollection(name: string): Promise<ServerCollection | null> {
    try {
      return this.collectionOf(await this.request('GET', `${this.base}/${seg(name)}`));
    } catch (err) {
      if (err instanceof InspectorError && err.code === 'NOT_FOUND') return null;
      throw err;
    }
  }

  /** `metadata` is JSON text (typed, from metadataToJson); `configuration` plain JSON. */
  async createCollection(name: string, metadataJson: string, configuration: unknown): Promise<ServerCollection> {
    const body = `{"name":${JSON.stringify(name)},"metadata":${metadataJson},"configuration":${JSON.stringify(configuration ?? null)},"get_or_create":false}`;
    return this.collectionOf(await this.request('POST', this.base, body));
  }

  async deleteCollection(name: string): Promise<void> {
    await this.request('DELETE', `${this.base}/${seg(name)}`);
  }

  async count(collectionId: string): Promise<number> {
    return numberOf(await this.request('GET', `${this.base}/${seg(collectionId)}/count`)) ?? 0;
  }

  /** Records in Chroma's get order (ids, or a page by offset), every field. */
  async get(
    collectionId: string,
    args: { ids?: readonly string[]; where?: unknown; whereDocument?: unknown; limit?: number; offset?: number; withContents?: boolean; include?: readonly string[] },
  ): Promise<TypedRecord[]> {
    const include = args.include ?? (args.withContents === false ? [] : ['documents', 'metadatas', 'embeddings', 'uris']);
    const body = JSON.stringify({ ids: args.ids, where: args.where, where_document: args.whereDocument, limit: args.limit, offset: args.offset, include });
    const answer = await this.request('POST', `${this.base}/${seg(collectionId)}/get`, body);
    if (!isObj(answer) || !Array.isArray(answer.ids)) throw new InspectorError('INTERNAL', `${this.endpoint.url}: the get answer has no ids`);
    const at = (field: string, i: number): unknown => (Array.isArray(answer[field]) ? (answer[field] as unknown[])[i] : null);
    return (answer.ids as string[]).map((id, i) => {
      const document = at('documents', i);
      const uri = at('uris', i);
      return {
        id,
        document: typeof document === 'string' ? document : null,
        uri: typeof uri === 'string' ? uri : null,
        metadata: userMetadata(typedMetadataOf(at('metadatas', i), `record ${JSON.stringify(id)}`)),
        embedding: embeddingOf(at('embeddings', i)),
      };
    });
  }

  /** The ids of `ids` the collection holds. */
  async presentIds(collectionId: string, ids: readonly string[]): Promise<Set<string>> {
    return new Set((await this.get(collectionId, { ids, withContents: false })).map((r) => r.id));
  }

  /**
   * Adds records in as few requests as fit the server's payload limit (each at most `maxRecords`).
   * Records whose id exists already are left as they are, as Chroma's add does.
   */
  async add(collectionId: string, records: readonly TypedRecord[], opts: { base64: boolean; maxRecords: number }): Promise<void> {
    let chunk: EncodedRecord[] = [];
    let bytes = 0;
    for (const r of records) {
      const e = encodeRecord(r, opts.base64);
      if (chunk.length > 0 && (chunk.length >= opts.maxRecords || bytes + e.bytes > MAX_BODY_BYTES)) {
        await this.send(collectionId, chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(e);
      bytes += e.bytes;
    }
    if (chunk.length > 0) await this.send(collectionId, chunk);
  }

  /** One add request; a server with a smaller payload limit than Chroma's default (413) gets halves. */
  private async send(collectionId: string, chunk: readonly EncodedRecord[]): Promise<void> {
    try {
      await this.request('POST', `${this.base}/${seg(collectionId)}/add`, addBody(chunk));
    } catch (err) {
      if (!(err instanceof InspectorError && err.details?.status === 413 && chunk.length > 1)) throw err;
      const half = Math.ceil(chunk.length / 2);
      await this.send(collectionId, chunk.slice(0, half));
      await this.send(collectionId, chunk.slice(half));
    }
  }

  /** Nearest neighbours of each embedding: ids and distances, as the server's index answers. */
  async query(collectionId: string, embeddings: readonly Float32Array[], k: number): Promise<{ ids: string[]; distances: number[] }[]> {
    const body = `{"query_embeddings":[${embeddings.map(embeddingToJson).join(',')}],"n_results":${k},"include":["distances"]}`;
    const answer = await this.request('POST', `${this.base}/${seg(collectionId)}/query`, body);
    if (!isObj(answer) || !Array.isArray(answer.ids)) throw new InspectorError('INTERNAL', `${this.endpoint.url}: the query answer has no ids`);
    const distances = Array.isArray(answer.distances) ? (answer.distances as unknown[][]) : [];
    return (answer.ids as string[][]).map((ids, q) => ({ ids, distances: ids.map((_, i) => numberOf(distances[q]?.[i]) ?? Number.NaN) }));
  }

  private collectionOf(value: unknown): ServerCollection {
    if (!isObj(value) || typeof value.id !== 'string' || typeof value.name !== 'string') {
      throw new InspectorError('INTERNAL', `${this.endpoint.url}: a collection answer without id or name`);
    }
    // Configuration and schema are plain JSON (no record data in them): numbers as JS numbers.
    const plainJson = (v: unknown) => (isObj(v) ? (JSON.parse(JSON.stringify(v, (_k, x: unknown) => numberOf(x) ?? x)) as Obj) : null);
    return {
      id: value.id,
      name: value.name,
      tenant: typeof value.tenant === 'string' ? value.tenant : this.tenant,
      database: typeof value.database === 'string' ? value.database : this.database,
      dimension: numberOf(value.dimension),
      metadata: typedMetadataOf(value.metadata, `collection ${value.name}`),
      configuration: plainJson(value.configuration_json),
      schema: plainJson(value.schema),
    };
  }
}
