import type { TypedMetadata } from '../../engine/util/typed-value.js';
import type { ServerEndpoint } from '../server/server-endpoint.js';
import type { TypedRecord } from '../server/server-records-json.js';

/** One side of a copy: a Chroma persistent folder, or a Chroma server (its endpoint carries tenant/database). */
export type SourceSpec = { kind: 'folder'; path: string; tenant?: string; database?: string } | { kind: 'server'; endpoint: ServerEndpoint };

/** A record as a copy carries it: typed metadata (2.0 stays a float), float32 embedding. */
export type CopyRecord = TypedRecord;

/** `configuration_json` as a Chroma server answers it. */
export interface ConfigurationJson {
  hnsw?: Record<string, unknown> | null;
  spann?: Record<string, unknown> | null;
  embedding_function?: unknown;
}

/** What a copy needs of a collection to recreate it, as its side records it. */
export interface CollectionSpec {
  /** The side's own handle for it (the collection id). */
  id: string;
  name: string;
  metadata: TypedMetadata | null;
  configuration: ConfigurationJson;
  dimension: number | null;
}

export interface QueryHits {
  ids: string[];
  distances: number[];
}

/** What a copy reads of a side; the source is only ever read. */
export interface CopyReader {
  /** Path or URL with the tenant/database, for messages (never a secret). */
  readonly label: string;
  readonly tenant: string;
  readonly database: string;
  listCollections(): Promise<CollectionSpec[]>;
  findCollection(name: string): Promise<CollectionSpec | null>;
  count(c: CollectionSpec): Promise<number>;
  /** Records in Chroma's get order, `limit` from `offset`. */
  readPage(c: CollectionSpec, offset: number, limit: number): Promise<CopyRecord[]>;
  readIds(c: CollectionSpec, ids: readonly string[]): Promise<CopyRecord[]>;
  query(c: CollectionSpec, embeddings: readonly Float32Array[], k: number): Promise<QueryHits[]>;
  close(): Promise<void>;
}

/** A target: read as a source is (for resume and verification), and written. */
export interface CopyWriter extends CopyReader {
  /** The most records one write may carry (server pre-flight, or the folder writer's limit). */
  readonly maxBatchSize: number;
  /** Creates the tenant and database when missing; returns what was created. */
  ensureScope(): Promise<string[]>;
  createCollection(from: CollectionSpec): Promise<{ collection: CollectionSpec; warnings: string[] }>;
  presentIds(c: CollectionSpec, ids: readonly string[]): Promise<Set<string>>;
  add(c: CollectionSpec, records: readonly CopyRecord[]): Promise<void>;
  /** Deletes a collection this copy created and could not fill, so a retry starts clean. */
  dropCollection(c: CollectionSpec): Promise<void>;
  /** Makes what was written answer queries as it will later (a folder persists its HNSW index). */
  settle(): Promise<void>;
}

export interface CopyProgress {
  done: number;
  total?: number;
  message?: string;
}

export interface CopyOptions {
  /** One collection by name; default: every collection of the source's tenant/database. */
  collection?: string;
  /** Continue into non-empty target collections, skipping the ids they already hold. */
  resume?: boolean;
  /** Records per write; default and maximum: the target's max batch size. */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: CopyProgress) => void;
  /** Restores: refuse a target collection that exists at all, even empty. */
  refuseExisting?: boolean;
  /** Records compared in full at the end (default 20). */
  sampleSize?: number;
  /** Stored vectors run as queries on both sides at the end (default 5, k = 10). */
  queries?: number;
}

/** The report types are the contract's (shared/models.ts): the UI shows them as the CLI prints them. */
export type { CollectionCopyReport, CopyReport, VerificationResult } from '../../../shared/models.js';
