/**
 * The data both sides of the contract see. Plain JSON-safe shapes: no classes, no typed arrays,
 * no bigint (large integers travel as numbers when safe, strings otherwise).
 */

/** A metadata value as Chroma types it. Floats that happen to be integral stay floats via `kind`. */
export type ScalarKind = 'string' | 'int' | 'float' | 'bool';
export type MetadataScalar = string | number | boolean;
export type MetadataValue = MetadataScalar | MetadataScalar[];
export type Metadata = Record<string, MetadataValue>;

export interface Problem {
  severity: 'error' | 'warning' | 'info';
  /** Stable machine code, e.g. `hnsw.truncated`, `wal.backlog`, `orphan.folder`. */
  code: string;
  message: string;
  /** File the problem is about, relative to the folder. */
  file?: string;
  collectionId?: string;
  segmentId?: string;
}

export interface EraInfo {
  /** Short label, e.g. `0.4.6-0.4.14`, `1.3+ (Rust core)`. */
  label: string;
  /** Python `chromadb` releases whose migrations match. */
  chromaVersions: string;
  rustCore: boolean;
  hasTenants: boolean;
  migrations: MigrationRow[];
  /** Whether every migration row matches Chroma's shipped SQL and hash. */
  migrationsVerified: boolean;
}

export interface MigrationRow {
  dir: string;
  version: number;
  filename: string;
  hash: string;
  /** `ok`, `unknown` (not a released migration), `mismatch` (known file, different hash). */
  status: 'ok' | 'unknown' | 'mismatch';
  hashAlgorithm: 'md5' | 'sha256' | 'unknown';
}

export interface FileEntry {
  path: string; // relative to the folder
  bytes: number;
  kind: 'sqlite' | 'sqlite-side' | 'hnsw' | 'pickle' | 'other';
}

export interface ActivityInfo {
  /** True when something suggests a Chroma process has the folder open. */
  likelyInUse: boolean;
  reasons: string[];
}

export interface FolderInfo {
  path: string;
  era: EraInfo;
  journalMode: string;
  sqliteVersion: string;
  pageSize: number;
  files: FileEntry[];
  totalBytes: number;
  activity: ActivityInfo;
  walRows: number;
  walSeqRange: [number, number] | null;
  automaticallyPurge: boolean | null;
  tenants: TenantInfo[];
  problems: Problem[];
  orphans: Orphans;
  tableSizes: TableSize[];
}

export interface TableSize {
  table: string;
  rows: number;
  /** Bytes from dbstat when the SQLite build has it, else null. */
  bytes: number | null;
}

export interface TenantInfo {
  name: string;
  databases: DatabaseInfo[];
}

export interface DatabaseInfo {
  id: string;
  name: string;
  tenant: string;
  collections: CollectionSummary[];
}

export type Space = 'l2' | 'ip' | 'cosine';

export interface HnswParams {
  space: Space;
  efConstruction: number;
  efSearch: number;
  maxNeighbors: number;
  numThreads: number | null;
  resizeFactor: number;
  syncThreshold: number;
  batchSize: number;
  /** Where the parameters came from: schema_str, config_json_str, segment metadata or defaults. */
  source: 'schema' | 'config' | 'segment-metadata' | 'collection-metadata' | 'default';
}

export interface CollectionSummary {
  id: string;
  name: string;
  tenant: string;
  database: string;
  dimension: number | null;
  /** Records visible as Chroma would show them (metadata segment + WAL tail). */
  count: number;
}

export interface CollectionInfo extends CollectionSummary {
  hnsw: HnswParams;
  metadata: Metadata | null;
  configJson: unknown;
  schemaJson: unknown;
  segments: SegmentInfo[];
  walRows: number;
  /** WAL rows not yet applied to the metadata segment / vector segment. */
  metadataLag: number;
  vectorLag: number;
  problems: Problem[];
}

export interface SegmentInfo {
  id: string;
  type: string;
  scope: 'VECTOR' | 'METADATA' | string;
  metadata: Metadata | null;
  maxSeqId: number | null;
  maxSeqIdEncoding: 'integer' | 'blob' | 'absent';
  vector?: VectorSegmentState;
}

export interface HnswHeader {
  persistenceVersion: number;
  offsetLevel0: number;
  maxElements: number;
  curElementCount: number;
  sizeDataPerElement: number;
  labelOffset: number;
  offsetData: number;
  maxLevel: number;
  enterpointNode: number;
  maxM: number;
  maxM0: number;
  M: number;
  mult: number;
  efConstruction: number;
  dim: number;
}

export interface PickleSummary {
  form: 'python-class' | 'rust-dict' | 'other';
  className: string | null;
  dimensionality: number | null;
  totalElementsAdded: number | null;
  maxSeqId: number | null;
  idToLabelCount: number;
  labelToIdCount: number;
  idToSeqIdCount: number;
}

export interface VectorSegmentState {
  folder: string; // relative path (segment id)
  folderExists: boolean;
  files: FileEntry[];
  header: HnswHeader | null;
  pickle: PickleSummary | null;
  /** Elements in the checkpoint that are live (in the pickle's id map, not deleted). */
  persistedElements: number;
  deletedElements: number;
  /** WAL rows newer than the checkpoint. */
  pendingWalRows: number;
  checkpointUsable: boolean;
  problems: Problem[];
}

export interface Orphans {
  segmentFolders: string[];
  embeddingRows: { segmentId: string; rows: number }[];
  maxSeqIdRows: string[];
  vectorSegmentsWithoutFolder: string[];
}

export type WalOperation = 'ADD' | 'UPDATE' | 'UPSERT' | 'DELETE' | 'BACKFILL_FN' | `UNKNOWN(${number})`;

export interface WalRow {
  seqId: number;
  createdAt: string;
  operation: WalOperation;
  topic: string;
  collectionId: string | null;
  collectionName: string | null;
  id: string;
  dimension: number | null;
  norm: number | null;
  /** First few values; the whole vector comes from `walVector`. */
  vectorPreview: number[] | null;
  encoding: string | null;
  metadata: Metadata | null;
  /** Keys the row deletes (JSON null values). */
  deletedKeys: string[];
  document: string | null;
  uri: string | null;
  /** Whether the metadata / vector segment has applied this row yet. */
  appliedToMetadata: boolean;
  appliedToVector: boolean;
  problem?: string;
}

export interface MetadataRowView {
  rowid: number;
  embeddingId: string;
  segmentId: string;
  key: string;
  type: ScalarKind | 'null';
  value: MetadataScalar | null;
  /** Index in the array for `embedding_metadata_array` rows, else null. */
  arrayIndex: number | null;
}

export interface RecordRow {
  id: string;
  /** embeddings.id: Chroma's internal offset id (the get order). Negative for WAL-only records. */
  internalId: number;
  document: string | null;
  uri: string | null;
  metadata: Metadata | null;
  embedding: number[] | null;
  /** Set for rows from query results. */
  distance?: number;
  /** True when this record's visible state comes from the WAL tail, not the metadata tables. */
  fromWal?: boolean;
  /**
   * The metadata as JSON text that keeps Chroma's types (floats always with a decimal point or
   * exponent, ints exact), `{}` when there is none. Set by `recordDetail` and the record writes:
   * what the metadata editor starts from, and what `metadataJson` reads back unchanged.
   */
  metadataJson?: string;
}

export interface Window<T> {
  rows: T[];
  total: number;
  offset: number;
}

export type IncludeField = 'documents' | 'metadatas' | 'embeddings' | 'uris' | 'distances';

/** The chromadb JS client's argument objects, as cases.json records them. */
export interface GetArgs {
  ids?: string[] | string;
  where?: unknown;
  whereDocument?: unknown;
  limit?: number;
  offset?: number;
  include?: IncludeField[];
}

export interface QueryArgs {
  queryEmbeddings: number[][] | number[];
  nResults?: number;
  ids?: string[] | string;
  where?: unknown;
  whereDocument?: unknown;
  include?: IncludeField[];
}

/** Shaped like the chromadb JS client's GetResult. */
export interface GetResult {
  ids: string[];
  documents: (string | null)[];
  metadatas: (Metadata | null)[];
  embeddings: number[][];
  uris: (string | null)[];
  include: IncludeField[];
}

export interface QueryResult {
  ids: string[][];
  documents: (string | null)[][];
  metadatas: (Metadata | null)[][];
  embeddings: number[][][];
  distances: number[][];
  uris: (string | null)[][];
  include: IncludeField[];
  /**
   * Problems with the collection's vectors (damaged or foreign checkpoint files, records without
   * a vector). Present only when there are some; a partial answer (allowPartial) always has them.
   */
  warnings?: Problem[];
}

export interface CollectionRef {
  tenant?: string;
  database?: string;
  name: string;
}

/**
 * The repairs `fix` can make on a copy of a folder (the doctor names one per finding it can fix):
 * - purge-wal: delete the WAL rows every segment has applied, in every tenant, then VACUUM;
 * - orphans: remove segment folders, embeddings, max_seq_id and array rows of deleted segments;
 * - fts-rebuild: rebuild the full-text index from the documents;
 * - hnsw-rebuild: rebuild a collection's HNSW checkpoint from the WAL and/or salvaged vectors.
 */
export const FIX_KINDS = ['purge-wal', 'orphans', 'fts-rebuild', 'hnsw-rebuild'] as const;
export type FixKind = (typeof FIX_KINDS)[number];
