import { InspectorError } from '../../../shared/errors.js';
import type { MetadataKeyInfo, RecordSort } from '../../../shared/contract.js';
import type {
  CollectionInfo,
  CollectionRef,
  CollectionSummary,
  FolderInfo,
  Metadata,
  RecordRow,
  ServerSourceInfo,
  Window,
} from '../../../shared/models.js';
import { serverHnswParams } from '../../engine/catalog/hnsw-params.js';
import { shortestFloat32Array } from '../../engine/util/float32-text.js';
import type { ServerEndpoint } from './server-endpoint.js';
import { maxBatchSize } from './server-rest.js';
import { ServerSource } from './server-source.js';
import { countMatches, type MatchCountCache } from './server-match-count.js';

const PREVIEW = 4;
/** Records read to learn a collection's metadata keys: the API has no key listing. */
const KEY_SAMPLE = 1000;

interface RecordsQuery {
  collectionId: string;
  where?: unknown;
  whereDocument?: unknown;
  ids?: string[];
  sort?: RecordSort;
  offset: number;
  limit: number;
}

interface PlainGet {
  ids: string[];
  documents?: (string | null)[];
  metadatas?: (Metadata | null)[];
  embeddings?: (number[] | null)[];
  uris?: (string | null)[];
}

/**
 * The inspector's read views (FolderInfo, CollectionInfo, record windows, record detail,
 * metadata keys) over a Chroma server, built from what its API answers. Collections are named by
 * id in the contract and by tenant/database/name in the client: the map between them is learnt
 * from each listing.
 */
export class ServerInspector {
  private readonly refs = new Map<string, Required<CollectionRef>>();
  private readonly matchCounts: MatchCountCache = new Map();

  private constructor(
    readonly source: ServerSource,
    private readonly auth: ServerSourceInfo['auth'],
    private readonly batchSize: number | null,
  ) {}

  static async open(endpoint: ServerEndpoint, auth: ServerSourceInfo['auth']): Promise<ServerInspector> {
    const source = await ServerSource.connect(endpoint);
    return new ServerInspector(source, auth, await maxBatchSize(endpoint));
  }

  get url(): string {
    return this.source.url;
  }

  serverInfo(): ServerSourceInfo {
    const s = this.source;
    return { url: s.url, version: s.version, api: 'v2', tenant: s.tenant, database: s.database, identity: s.identity, maxBatchSize: this.batchSize, auth: this.auth };
  }

  async folderInfo(): Promise<FolderInfo> {
    const info = await this.source.info();
    for (const t of info.tenants) for (const d of t.databases) for (const c of d.collections) this.remember(c);
    return {
      path: this.url,
      server: this.serverInfo(),
      era: {
        label: `Chroma server ${info.version} (HTTP API v2)`,
        chromaVersions: info.version,
        rustCore: true,
        hasTenants: true,
        migrations: [],
        migrationsVerified: false,
      },
      journalMode: '',
      sqliteVersion: '',
      pageSize: 0,
      files: [],
      totalBytes: 0,
      activity: { likelyInUse: true, reasons: [`served by a running Chroma at ${this.url}`] },
      walRows: 0,
      walSeqRange: null,
      automaticallyPurge: null,
      tenants: info.tenants,
      problems: info.problems,
      orphans: { segmentFolders: [], embeddingRows: [], maxSeqIdRows: [], vectorSegmentsWithoutFolder: [] },
      tableSizes: [],
    };
  }

  async collectionInfo(collectionId: string): Promise<CollectionInfo> {
    const ref = await this.ref(collectionId);
    const rest = (await this.source.restCollections(ref.tenant, ref.database)).find((c) => c.id === collectionId);
    if (!rest) throw this.gone(collectionId);
    const count = await this.source.count(ref);
    return {
      id: rest.id,
      name: rest.name,
      tenant: ref.tenant,
      database: ref.database,
      dimension: rest.dimension ?? null,
      count,
      hnsw: serverHnswParams(rest.configuration_json, rest.schema, rest.metadata?.['hnsw:space']),
      metadata: rest.metadata ?? null,
      configJson: rest.configuration_json ?? null,
      schemaJson: rest.schema ?? null,
      segments: [],
      walRows: 0,
      metadataLag: 0,
      vectorLag: 0,
      problems: [],
    };
  }

  async count(collectionId: string): Promise<number> {
    return this.source.count(await this.ref(collectionId));
  }

  async get(collectionId: string, args: unknown): Promise<unknown> {
    return this.source.get(await this.ref(collectionId), args);
  }

  async query(collectionId: string, args: unknown): Promise<unknown> {
    return this.source.query(await this.ref(collectionId), args);
  }

  /**
   * A window of records in the server's own order (the API has no sort), each with the first
   * dimensions of its vector. The total is the collection's count, or for a filter the number of
   * matches, counted once by paging through ids only and remembered for the filter.
   */
  async records(q: RecordsQuery): Promise<Window<RecordRow>> {
    if (q.sort && (q.sort.by !== 'internal' || q.sort.desc)) {
      throw new InspectorError('FOLDER_ONLY', "Sorting is not available on a Chroma server: its API returns records in the server's own order only");
    }
    const ref = await this.ref(q.collectionId);
    const filter = {
      ...(q.ids ? { ids: q.ids } : {}),
      ...(q.where !== undefined ? { where: q.where } : {}),
      ...(q.whereDocument !== undefined ? { whereDocument: q.whereDocument } : {}),
    };
    const got = (await this.source.get(ref, { ...filter, limit: q.limit, offset: q.offset, include: ['documents', 'metadatas', 'embeddings', 'uris'] })) as PlainGet;
    const rows = got.ids.map((id, i) => toRow(got, i, q.offset + i, true));
    const filtered = Object.keys(filter).length > 0;
    const total = filtered
      ? await countMatches(this.matchCounts, this.source, ref, filter, { offset: q.offset, seen: rows.length, limit: q.limit })
      : await this.source.count(ref);
    return { rows, total, offset: q.offset };
  }

  async recordDetail(collectionId: string, id: string): Promise<RecordRow> {
    const ref = await this.ref(collectionId);
    const got = (await this.source.get(ref, { ids: [id], include: ['documents', 'metadatas', 'embeddings', 'uris'] })) as PlainGet;
    if (got.ids.length === 0) throw new InspectorError('NOT_FOUND', `Record "${id}" does not exist in collection ${ref.name} on ${this.url}`, { id });
    return toRow(got, 0, -1, false);
  }

  /** The metadata keys of the first records the server returns (the API has no key listing). */
  async metadataKeys(collectionId: string): Promise<MetadataKeyInfo[]> {
    const got = (await this.source.get(await this.ref(collectionId), { limit: KEY_SAMPLE, include: ['metadatas'] })) as PlainGet;
    const keys = new Map<string, { types: Set<string>; records: number }>();
    for (const md of got.metadatas ?? []) {
      for (const [key, value] of Object.entries(md ?? {})) {
        const k = keys.get(key) ?? { types: new Set<string>(), records: 0 };
        k.types.add(kindOf(value));
        k.records++;
        keys.set(key, k);
      }
    }
    return [...keys].map(([key, k]) => ({ key, types: [...k.types].sort(), records: k.records })).sort((a, b) => a.key.localeCompare(b.key));
  }

  private remember(c: CollectionSummary): void {
    this.refs.set(c.id, { name: c.name, tenant: c.tenant, database: c.database });
  }

  /** The collection an id names; an id not seen yet is looked up by listing again. */
  collectionRef(collectionId: string): Promise<Required<CollectionRef>> {
    return this.ref(collectionId);
  }

  /** The endpoint scoped to one tenant and database (what the copy and export layers take). */
  endpointFor(ref: { tenant: string; database: string }): ServerEndpoint {
    return { ...this.source.endpoint, tenant: ref.tenant, database: ref.database };
  }

  private async ref(collectionId: string): Promise<Required<CollectionRef>> {
    let ref = this.refs.get(collectionId);
    if (!ref) {
      await this.folderInfo();
      ref = this.refs.get(collectionId);
    }
    if (!ref) throw this.gone(collectionId);
    return ref;
  }

  private gone(collectionId: string): InspectorError {
    return new InspectorError('NOT_FOUND', `Collection ${collectionId} does not exist on ${this.url} (deleted since it was listed?)`, { server: this.url, collectionId });
  }
}

function toRow(got: PlainGet, i: number, position: number, preview: boolean): RecordRow {
  const vector = got.embeddings?.[i] ?? null;
  return {
    id: got.ids[i]!,
    // The API has no internal ids: the position in the server's order stands in for the grid.
    internalId: position,
    document: got.documents?.[i] ?? null,
    uri: got.uris?.[i] ?? null,
    metadata: got.metadatas?.[i] ?? null,
    embedding: vector ? shortestFloat32Array(preview ? vector.slice(0, PREVIEW) : vector) : null,
  };
}

/** JSON numbers do not say int or float; an integral number reads as an int, as the chromadb client reads it. */
function kindOf(value: unknown): string {
  if (Array.isArray(value)) return `${value.length > 0 ? kindOf(value[0]) : 'string'}[]`;
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  return 'string';
}

