import { InspectorError } from '../../../shared/errors.js';
import { storedEmbeddingFunction } from '../../engine/catalog/embedding-function.js';
import { serverHnswParams } from '../../engine/catalog/hnsw-params.js';
import type { DiffCollection, DiffRecord, DiffSource } from '../../engine/diff/diff-source.js';
import type { ServerEndpoint } from './server-endpoint.js';
import { ServerRecordsHttp, type ServerCollection } from './server-records-http.js';
import { ServerSource } from './server-source.js';

/** Ids read per request when listing a collection's ids (no contents: small answers). */
const ID_PAGE = 10_000;

/**
 * A Chroma server as one side of a diff: one tenant/database (the URL's, or what the server's
 * identity implies, as every server command settles it). Collections and records travel over the
 * raw v2 API (server-records-http.ts), so metadata keeps its types (a float 2.0 stays a float)
 * and embeddings are the float32 values Chroma stores, as a folder's are.
 */
export class ServerDiffSource implements DiffSource {
  private constructor(private readonly http: ServerRecordsHttp) {}

  static async connect(endpoint: ServerEndpoint, signal?: AbortSignal): Promise<ServerDiffSource> {
    const source = await ServerSource.connect(endpoint);
    const http = new ServerRecordsHttp(endpoint, source.tenant, source.database, signal);
    // Listing an unknown tenant/database answers nothing: say so instead of "every collection removed".
    await http.checkScope();
    return new ServerDiffSource(http);
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

  async collections(): Promise<DiffCollection[]> {
    return (await this.http.listCollections()).map((c) => this.side(c));
  }

  async collection(name: string): Promise<DiffCollection> {
    const found = await this.http.getCollection(name);
    if (!found) {
      throw new InspectorError('NOT_FOUND', `Collection "${name}" does not exist in ${this.tenant}/${this.database} on ${this.http.endpoint.url}`, {
        server: this.http.endpoint.url,
        tenant: this.tenant,
        database: this.database,
        collection: name,
      });
    }
    return this.side(found);
  }

  private side(c: ServerCollection): DiffCollection {
    const http = this.http;
    const hnsw = serverHnswParams(c.configuration, c.schema, spaceOf(c));
    return {
      tenant: this.tenant,
      database: this.database,
      name: c.name,
      settings: {
        dimension: c.dimension,
        space: hnsw.space,
        maxNeighbors: hnsw.maxNeighbors,
        efConstruction: hnsw.efConstruction,
        efSearch: hnsw.efSearch,
        embeddingFunction: storedEmbeddingFunction({ configJson: c.configuration, schemaJson: c.schema }),
        metadata: c.metadata,
      },
      ids: async () => {
        const all: string[] = [];
        for (;;) {
          const page = await http.get(c.id, { offset: all.length, limit: ID_PAGE, include: [] });
          for (const r of page) all.push(r.id);
          if (page.length < ID_PAGE) return all;
        }
      },
      records: async (ids) => new Map<string, DiffRecord>((await http.get(c.id, { ids })).map((r) => [r.id, r])),
    };
  }
}

/** The collection metadata's `hnsw:space`, the last place a server's index space is said. */
function spaceOf(c: ServerCollection): unknown {
  const v = c.metadata?.get('hnsw:space');
  return v?.kind === 'string' ? v.value : undefined;
}
