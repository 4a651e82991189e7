import { InspectorError } from '../../../shared/errors.js';
import type { ServerEndpoint } from '../server/server-endpoint.js';
import { ServerRecordsHttp, type PreFlight, type ServerCollection } from '../server/server-records-http.js';
import { metadataToJson } from '../../engine/backup/record-format.js';
import { ServerSource } from '../server/server-source.js';
import { serverConfiguration, spaceOf } from './collection-spec.js';
import type { CollectionSpec, CopyRecord, CopyWriter, QueryHits } from './copy-types.js';

/**
 * A Chroma server as either side of a copy. Connecting goes through ServerSource (the version
 * probe, credentials errors, the tenant/database the server's identity implies); records then
 * travel over the raw v2 API (server-records-http.ts), which keeps metadata types.
 */
export class ServerSide implements CopyWriter {
  private constructor(
    private readonly http: ServerRecordsHttp,
    readonly version: string,
    private readonly preFlight: PreFlight,
  ) {}

  static async connect(endpoint: ServerEndpoint, signal?: AbortSignal): Promise<ServerSide> {
    const source = await ServerSource.connect(endpoint);
    const http = new ServerRecordsHttp(endpoint, source.tenant, source.database, signal);
    return new ServerSide(http, source.version, await http.preFlight());
  }

  get tenant(): string {
    return this.http.tenant;
  }

  get database(): string {
    return this.http.database;
  }

  get label(): string {
    return `${this.http.endpoint.url} (${this.tenant}/${this.database})`;
  }

  get maxBatchSize(): number {
    return this.preFlight.maxBatchSize;
  }

  /** The source side: its tenant and database must exist (listing an unknown one answers nothing). */
  checkScope(): Promise<void> {
    return this.http.checkScope();
  }

  ensureScope(): Promise<string[]> {
    return this.http.ensureScope();
  }

  async listCollections(): Promise<CollectionSpec[]> {
    return (await this.http.listCollections()).map(specOf).sort((a, b) => a.name.localeCompare(b.name));
  }

  async findCollection(name: string): Promise<CollectionSpec | null> {
    const found = await this.http.getCollection(name);
    return found ? specOf(found) : null;
  }

  async createCollection(from: CollectionSpec): Promise<{ collection: CollectionSpec; warnings: string[] }> {
    const warnings: string[] = [];
    const configuration = serverConfiguration(from);
    let created: ServerCollection;
    try {
      try {
        created = await this.http.createCollection(from.name, metadataToJson(from.metadata), configuration);
      } catch (err) {
        // Chroma 1.0.x knows only `legacy` and `known` embedding functions; `unknown` says no more than none.
        const ef = configuration.embedding_function as { type?: unknown } | undefined;
        if (!(err instanceof InspectorError && ef?.type === 'unknown' && /unknown variant `unknown`/.test(err.message))) throw err;
        delete configuration.embedding_function;
        created = await this.http.createCollection(from.name, metadataToJson(from.metadata), configuration);
        warnings.push(`${from.name}: ${this.label} takes no embedding function of type "unknown"; created without one (the same to clients)`);
      }
    } catch (err) {
      throw refusal(err, this.http.endpoint.url, `creating collection ${from.name}`);
    }
    const collection = specOf(created);
    // Legacy hnsw:* metadata can override a default configuration on the server: say when the space moved.
    if (spaceOf(collection.configuration) !== spaceOf(from.configuration)) {
      warnings.push(`${from.name}: ${this.label} created it with space ${spaceOf(collection.configuration)}, the source has ${spaceOf(from.configuration)}: distances will differ`);
    }
    return { collection, warnings };
  }

  count(c: CollectionSpec): Promise<number> {
    return this.http.count(c.id);
  }

  readPage(c: CollectionSpec, offset: number, limit: number): Promise<CopyRecord[]> {
    return this.http.get(c.id, { offset, limit });
  }

  readIds(c: CollectionSpec, ids: readonly string[]): Promise<CopyRecord[]> {
    return this.http.get(c.id, { ids });
  }

  presentIds(c: CollectionSpec, ids: readonly string[]): Promise<Set<string>> {
    return this.http.presentIds(c.id, ids);
  }

  query(c: CollectionSpec, embeddings: readonly Float32Array[], k: number): Promise<QueryHits[]> {
    return this.http.query(c.id, embeddings, k);
  }

  async add(c: CollectionSpec, records: readonly CopyRecord[]): Promise<void> {
    try {
      await this.http.add(c.id, records, { base64: this.preFlight.base64, maxRecords: this.maxBatchSize });
    } catch (err) {
      throw refusal(err, this.http.endpoint.url, `adding records to ${c.name}`, records);
    }
  }

  dropCollection(c: CollectionSpec): Promise<void> {
    return this.http.deleteCollection(c.name);
  }

  /** A server indexes as it receives: nothing to wait for. */
  async settle(): Promise<void> {}

  async close(): Promise<void> {}
}

function specOf(c: ServerCollection): CollectionSpec {
  return { id: c.id, name: c.name, metadata: c.metadata, configuration: c.configuration ?? {}, dimension: c.dimension };
}

/**
 * What a server refuses, said plainly. Chroma releases before list metadata answer with a serde
 * error about MetadataValue; the message then names the record and key that carried a list.
 */
function refusal(err: unknown, url: string, doing: string, records: readonly CopyRecord[] = []): unknown {
  if (!(err instanceof InspectorError) || err.code !== 'INVALID_ARGUMENT') return err;
  if (/untagged enum MetadataValue|did not match any variant/i.test(err.message)) {
    for (const r of records) {
      for (const [key, v] of r.metadata ?? []) {
        if (v.kind === 'array') {
          return new InspectorError(
            'SERVER_UNSUPPORTED',
            `The Chroma server at ${url} refused the list metadata value of record ${JSON.stringify(r.id)}, key ${JSON.stringify(key)}: ` +
              'Chroma releases before list metadata (1.0.x among them) store no lists. Copy into a newer Chroma server or into a folder.',
            { ...err.details, server: url, id: r.id, key },
          );
        }
      }
    }
  }
  return new InspectorError(err.code, `${url}: ${doing}: ${err.message}`, err.details);
}
