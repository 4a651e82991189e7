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

/**
 * What a Chroma release does when it starts on a folder (docs/format.md §2.2): opens it as is,
 * migrates it first, refuses it (inconsistent migrations), or is older than it (a downgrade).
 */
export interface ReleaseCompatibility {
  /** The release range, e.g. `Python 0.5.6-0.6.3`, `js 1.3.x`. */
  release: string;
  line: 'python' | 'js';
  verdict: 'opens' | 'migrates' | 'refuses' | 'newer-folder';
  /** `migrates`: the migrations it applies (`dir/filename`), in its order. */
  migrations: string[];
  /** `refuses`: why; `newer-folder`: the migrations it does not know. */
  reason: string | null;
}

export interface SchemaTableChange {
  table: string;
  columnsAdded: string[];
  columnsRemoved: string[];
  /** Declared type, NOT NULL, default or primary key changed (the table was rebuilt). */
  columnsChanged: { column: string; before: string; after: string }[];
  /** The CREATE statement differs. */
  definitionChanged: boolean;
}

/** sqlite_master before and after (FTS shadow tables and SQLite's own objects left out). */
export interface SchemaDiff {
  tablesAdded: string[];
  tablesRemoved: string[];
  tablesChanged: SchemaTableChange[];
  /** `name (on table)`. */
  indexesAdded: string[];
  indexesRemoved: string[];
  indexesChanged: string[];
  /** Views and triggers. */
  othersAdded: string[];
  othersRemoved: string[];
  othersChanged: string[];
}

/** How a migration changed one table's rows. */
export interface TableDataChange {
  table: string;
  /** null: the table did not exist on that side. */
  rowsBefore: number | null;
  rowsAfter: number | null;
  /** Rows before that no longer exist unchanged (compared on the columns both sides have). */
  rowsChanged: number;
  /** New columns and how many rows got a value in them. */
  filledColumns: { column: string; rows: number }[];
  /** Columns whose storage types (SQLite `typeof`) changed, e.g. seq_id blob → integer. */
  storageTypes: { column: string; before: Record<string, number>; after: Record<string, number> }[];
}

export interface PreviewCollection {
  tenant: string;
  database: string;
  name: string;
  id: string;
  /** Records our engine counts in the copy before and after the migration (null: unreadable). */
  countBefore: number | null;
  countAfter: number | null;
}

/** The result of a migration preview: the migrated copy and what changed in it. */
export interface MigrationPreview {
  source: string;
  /** The new folder holding the migrated copy. */
  folder: string;
  target: { name: string; version: string; line: 'python' | 'js'; release: string; rustCore: boolean };
  eraBefore: string;
  eraAfter: string;
  migrationsApplied: { dir: string; version: number; filename: string }[];
  /** Other rows the release writes when it starts (e.g. acquire_write, the WAL purge setting). */
  atStart: string[];
  schema: SchemaDiff;
  data: TableDataChange[];
  collections: PreviewCollection[];
  /** Releases that open the original folder without migrating it. */
  canOpenWithoutMigrating: string[];
  /** Every known release and what it does with the original folder. */
  compatibility: ReleaseCompatibility[];
  /** Releases that open the migrated copy without migrating it. */
  afterwardsOpenWithoutMigrating: string[];
  /** What the release does later, at the first use of each collection. */
  notes: string[];
  warnings: string[];
  /** Whether the Chroma installed here opened the migrated copy and agreed with the original (never fails the preview). */
  realChroma?: RealChromaCheck;
}

/** One collection as real Chroma counts it in the result, beside what the original holds. */
export interface RealChromaCollection {
  tenant: string;
  database: string;
  name: string;
  /** Chroma's count (null: it could not count), the original's count as our engine reads it. */
  count: number | null;
  expected: number | null;
  ok: boolean;
}

/** A result re-opened by a real Chroma (the user's own, when they have one) and compared with the original. */
export interface RealChromaCheck {
  /** The Chroma that ran; null when none was found or the check was turned off. */
  chroma: { executable: string; version: string | null } | null;
  opened: boolean;
  collections: RealChromaCollection[];
  /** Where Chroma's answers differ from the original's (a fix with any fails). */
  differences: string[];
  note: string;
}

/** A collection of a point-in-time replay. */
export interface ReplayCollection {
  tenant: string;
  database: string;
  name: string;
  /** Its id in the source folder and in the new one (Chroma gives a new collection a new id). */
  sourceId: string;
  id: string;
  /** WAL entries at or before the seq applied to it, and skipped (with a warning each). */
  applied: number;
  skipped: number;
  /** Records it holds as of the seq. */
  records: number;
}

export interface ReplayOutcome {
  source: string;
  folder: string;
  seq: number;
  collections: ReplayCollection[];
  warnings: string[];
}

export interface WalExportOutcome {
  file: string;
  format: 'jsonl' | 'parquet';
  rows: number;
  warnings: string[];
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

/**
 * What a source that is a running Chroma server (rather than a folder) tells the UI. Its
 * FolderInfo then carries the server's tenants, databases and collections; the fields about files
 * (era, journal, WAL, files, orphans, table sizes) are empty, and the views built on them say why.
 */
export interface ServerSourceInfo {
  /** The server's origin (never with credentials). */
  url: string;
  /** What the server's /api/v2/version answers. */
  version: string;
  api: 'v2';
  /** The tenant and database this source reads (one per source, as the chromadb client works). */
  tenant: string;
  database: string;
  /** The server's auth/identity answer, when it has one. */
  identity: { userId: string; tenant: string; databases: string[] } | null;
  /** The most records one add/upsert may carry (the server's pre-flight answer). */
  maxBatchSize: number | null;
  /** How credentials were given: for display only, never the secret. */
  auth: 'none' | 'token' | 'basic' | 'api-key' | 'headers';
}

export interface FolderInfo {
  /** For a server source: its URL. */
  path: string;
  /** Present when the source is a Chroma server (see ServerSourceInfo), absent for a folder. */
  server?: ServerSourceInfo;
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
  /** Elements marked deleted in the graph; null until the index is loaded (a pass over data_level0.bin counts them). */
  deletedElements: number | null;
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

/** What one fix found and did on the copy (`fix`, src-main/engine/repair/). */
export interface FixStepReport {
  kind: FixKind;
  /** Whether it changed anything in the copy. */
  changed: boolean;
  /** What it did, one line each, naming the collection, table or folder. */
  actions: string[];
  /** What it left alone and why (e.g. a damaged index the WAL purge must not purge past). */
  skipped: string[];
  /** Its figures, e.g. `{ walRowsDeleted: 2100, bytesBefore: …, bytesAfter: … }`. */
  counts: Record<string, number>;
}

/** One collection of the repaired copy beside the original, as our engine reads both. */
export interface FixCollectionCheck {
  tenant: string;
  database: string;
  name: string;
  id: string;
  countBefore: number;
  countAfter: number;
  /** Records whose document and metadata were compared, and vector queries run on both. */
  sampled: number;
  queries: number;
  /** Records that have no vector in the copy: lost before the repair, so nothing could recover them. */
  vectorsMissing: number;
  vectorsMissingSample: string[];
  /** Where the copy answers differently from the original, and why (none of them fails the repair). */
  differences: string[];
}

export interface FixReport {
  source: string;
  /** The repaired folder (the original's own path after an in-place repair). */
  target: string;
  /** The verified backup taken before an in-place repair; null otherwise. */
  backup: string | null;
  kinds: FixKind[];
  fixes: FixStepReport[];
  verification: FixCollectionCheck[];
  warnings: string[];
  /** The repaired copy re-opened by a real Chroma, when one is installed. */
  realChroma?: RealChromaCheck;
}

/*
 * The doctor (`chroma-inspector doctor`, contract method `doctor`, src-main/engine/doctor/): a
 * read-only health report of a whole folder, every tenant and database. Each finding says what is
 * wrong (title), what it rests on (evidence), what Chroma does with the folder because of it
 * (chromaWould) and how to cure it (fix: the FixKind `fix` applies, or null; remedy: in words).
 * Severity: `error` — Chroma answers wrongly, fails, or data is lost; `warning` — works today but
 * is damaged, wasteful or will break (e.g. on upgrade); `info` — worth knowing, nothing to do.
 */
export type DoctorSeverity = 'error' | 'warning' | 'info';

/** A quoted record: its id and short excerpts (e.g. `document` beside the full-text row's `indexed` text). */
export interface DoctorSample {
  id: string | null;
  fields: Record<string, string | null>;
}

export interface DoctorEvidence {
  /** The figures the finding rests on (rows, seq ids, bytes…), e.g. `{ walRows: 391, vectorSeq: 0 }`. */
  numbers: Record<string, number>;
  /** Record ids concerned, at most a sample (the full count is in `numbers`). Empty in a private report. */
  ids: string[];
  /** Files concerned, relative to the folder. Segment folders are renamed `segment-N` in a private report. */
  files: string[];
  /** Segment ids concerned (the UUIDs of `segments` rows or folders). Renamed `segment-N` in a private report. */
  segments: string[];
  /** Excerpts from the folder (documents, full-text rows). Empty in a private report. */
  samples: DoctorSample[];
  /** The engine's own messages, verbatim (they can name ids and files). Empty in a private report. */
  notes: string[];
}

export interface DoctorFinding {
  /** Stable code: `wal.backlog`, `fts.missing`, `orphan.folder`, `hnsw.truncated`… (see docs/doctor.md). */
  code: string;
  severity: DoctorSeverity;
  /** One line with the main figure. Never quotes record ids, documents or paths. */
  title: string;
  evidence: DoctorEvidence;
  /** What Chroma does with the folder because of this. */
  chromaWould: string;
  /** The repair `fix` makes for it (on a copy), or null when none applies. */
  fix: FixKind | null;
  /** What to do, in words (also when `fix` is set). */
  remedy: string;
  /** Set when the finding is about one collection (`collection.name` is its name). */
  collection?: { id: string; name: string };
  tenant?: string;
  database?: string;
}

/** One collection as the doctor saw it: the numbers its findings are checked against. */
export interface DoctorCollection {
  id: string;
  name: string;
  tenant: string;
  database: string;
  dimension: number | null;
  space: Space;
  spaceSource: HnswParams['source'];
  /** Chroma's count (metadata segment + WAL tail). */
  records: number;
  /** `chroma:document` rows in the metadata segment. */
  documents: number;
  wal: {
    rows: number;
    seqRange: [number, number] | null;
    /** M and V: the last seq the metadata and vector segments applied (docs/format.md §4.7). */
    metadataSeq: number;
    vectorSeq: number;
    /** Rows above M / above V ("not in HNSW"). */
    metadataLag: number;
    vectorLag: number;
    /** Rows below min(M, V): what Chroma's automatic purge deletes (docs/format.md §4.6). */
    purgeable: number;
  };
  hnsw: {
    folderExists: boolean;
    checkpointUsable: boolean;
    /** From header.bin: elements in use (deleted ones included) and capacity; null without a header. */
    headerElements: number | null;
    capacity: number | null;
    /** Elements marked deleted, and live ones (in use minus deleted); null until the vectors were read. */
    deletedElements: number | null;
    liveElements: number | null;
    /** Ids in index_metadata.pickle; null without a readable pickle. */
    pickleIds: number | null;
    /** Records with a usable vector after the WAL tail (what a query can return); null when not loaded. */
    vectors: number | null;
  };
  /** The full-text index against the documents (null when the folder has no full-text table). */
  fts: { table: string; checked: number; missing: number; wrong: number } | null;
  findings: { errors: number; warnings: number; infos: number };
}

/** Bytes of one SQLite b-tree (table, index, or a full-text shadow table). */
export interface StorageObject {
  name: string;
  kind: 'table' | 'index' | 'fts' | 'schema';
  /** The table it belongs to (itself for tables; the virtual table for full-text shadow tables). */
  table: string;
  bytes: number;
  pages: number;
}

/** Where a collection's bytes are. SQLite figures share each table's bytes out by the collection's part of its payload. */
export interface CollectionStorage {
  collectionId: string;
  name: string;
  tenant: string;
  database: string;
  sqlite: { records: number; metadata: number; fts: number; wal: number };
  hnswFiles: { file: string; bytes: number }[];
  totalBytes: number;
}

/** What purge + VACUUM would give back, measured on a temporary copy of chroma.sqlite3. */
export interface ReclaimMeasurement {
  databaseBytes: number;
  /** The copy's size after VACUUM alone, and after purging the applied WAL rows and VACUUM. */
  afterVacuumBytes: number;
  afterPurgeAndVacuumBytes: number;
  reclaimableBytes: number;
  walRowsPurged: number;
  elapsedMs: number;
}

export interface StorageReport {
  /** `dbstat` when the SQLite build has it, else our own walk of every b-tree's pages. */
  method: 'dbstat' | 'btree-walk';
  pageSize: number;
  /** The database file (pages × page size) and the part of it on SQLite's freelist. */
  databaseBytes: number;
  freelistBytes: number;
  objects: StorageObject[];
  collections: CollectionStorage[];
  /** Bytes left by deleted collections: their rows (payload share) and their segment folders. */
  orphans: { sqliteBytes: number; fileBytes: number };
  /** How per-collection SQLite bytes were estimated. */
  attribution: string;
  /** Null unless asked for (`--measure`): it copies and vacuums the database, which takes time and disk. */
  reclaim: ReclaimMeasurement | null;
  reclaimNote: string;
}

export interface DoctorReport {
  /** The folder's path; null in a private report. */
  folder: string | null;
  createdAt: string;
  tool: string;
  private: boolean;
  era: { label: string; chromaVersions: string; rustCore: boolean; migrationsVerified: boolean };
  sqlite: { version: string; journalMode: string; pageSize: number; pages: number; freelistPages: number; bytes: number };
  /** Free space on the folder's filesystem (null if unknown) and what a VACUUM may need (twice the database). */
  disk: { freeBytes: number | null; vacuumNeedsBytes: number };
  tenants: number;
  databases: number;
  collections: DoctorCollection[];
  /** Errors first, then warnings, then infos. */
  findings: DoctorFinding[];
  summary: { errors: number; warnings: number; infos: number };
  storage: StorageReport;
  elapsedMs: number;
}

/** What a copy between two sources (folders or servers) did and how it verified (source/copy). */
export interface VerificationResult {
  ok: boolean;
  sourceCount: number;
  targetCount: number;
  /** Records read back from the target and compared in full. */
  sampled: number;
  sampleDifferences: string[];
  queries: number;
  /** Mean share of the source's neighbours the target's answer also has (null: no queries). */
  recall: number | null;
  queryDifferences: string[];
}

export interface CollectionCopyReport {
  name: string;
  created: boolean;
  sourceCount: number;
  copied: number;
  /** Already in the target (a resumed copy): left as they were. */
  skipped: number;
  targetCount: number;
  verification: VerificationResult;
}

export interface CopyReport {
  source: string;
  target: string;
  /** The tenant/database read and written (a folder target defaults to the source's). */
  scopes: { source: { tenant: string; database: string }; target: { tenant: string; database: string } };
  collections: CollectionCopyReport[];
  /** Every collection verified. */
  ok: boolean;
  warnings: string[];
}

/** One leaf of a filter that turns a record away, with the record's own value (why-not). */
export interface FilterMiss {
  /** Where the leaf sits in the filter, e.g. `where.$and[1]` or `whereDocument`. */
  path: string;
  /** The leaf in Chroma's filter syntax, e.g. `{"year":{"$gt":2010}}`. */
  leaf: string;
  /** The record's value for the leaf's key (or a piece of its document); null when it has none. */
  recordValue: string | null;
  reason: string;
}

/**
 * Why a record is not among a query's results — the answer to "why not this record?". Exactly one
 * cause, checked in the order a query applies them:
 * - `returned`: it is in the results after all (its rank and distance);
 * - `not-found`: no record has that id in the collection;
 * - `excluded-by-ids`: the query's `ids` do not name it;
 * - `excluded-by-where` / `excluded-by-where-document`: the filter turns it away (which leaves, with its values);
 * - `no-vector`: it has no usable vector, so no query can return it;
 * - `ranked-below-k`: exact search over what the filters allow ranks it below k;
 * - `missed-by-index`: exact search ranks it within k, but Chroma's HNSW graph search does not find it.
 */
export type WhyNotCause =
  | 'returned'
  | 'not-found'
  | 'excluded-by-ids'
  | 'excluded-by-where'
  | 'excluded-by-where-document'
  | 'no-vector'
  | 'ranked-below-k'
  | 'missed-by-index';

export interface WhyNotAnswer {
  id: string;
  cause: WhyNotCause;
  /** One sentence a person can read. */
  summary: string;
  /** The query's k (nResults). */
  k: number;
  /** The failing filter leaves (the two excluded-by-where causes). */
  misses?: FilterMiss[];
  /** Its distance to the query, in the collection's space (when it has a vector and passes the filters). */
  distance?: number;
  /** Its 1-based rank in exact search among the records the filters allow. */
  exactRank?: number;
  /** Its 1-based rank in the query's own (HNSW) results, when returned. */
  rank?: number;
  /** How many records the filters allow (all with a vector when there is no filter). */
  candidates?: number;
  /** The k-th distance of exact search, and of the query's own results. */
  exactKthDistance?: number | null;
  resultKthDistance?: number | null;
  /** ef the graph search used: max(hnsw:search_ef, k). */
  efSearch?: number;
}

/** One point of the recall lab's sweep: recall@k of the HNSW graph search at one ef. */
export interface RecallPoint {
  ef: number;
  /** Mean over the sampled queries of |graph ∩ exact| / k. */
  recall: number;
  /** The worst single query's recall. */
  minRecall: number;
  /** Mean time of one graph query at this ef, here. */
  meanQueryMs: number;
}

export type VectorFlagKind = 'duplicates' | 'zero-norm' | 'non-finite' | 'outliers-distance' | 'outliers-norm' | 'mixed-dimensions';

/** Something in a collection's vectors that makes answers surprising, with examples. */
export interface VectorFlag {
  kind: VectorFlagKind;
  count: number;
  /** Up to ten examples (record ids; for duplicates, groups joined by " = "). */
  ids: string[];
  detail: string;
}

/** The recall lab's report for a collection (docs/recall-lab.md). */
export interface RecallReport {
  collection: string;
  space: Space;
  k: number;
  /** Live vectors in the collection. */
  records: number;
  /** Queries run: records' own vectors, each leaving its own record out of both answers. */
  queries: number;
  sampleIds: string[];
  params: { maxNeighbors: number; efConstruction: number; efSearch: number };
  /** Whether there is an HNSW graph to search (false: every vector is in the WAL and queries are exact). */
  graph: boolean;
  /** Recall@k at the collection's own hnsw:search_ef. */
  recall: number;
  /**
   * Median over the queries of (mean distance to records at random) ÷ (distance to the nearest
   * record): near 1, neighbours are barely nearer than anything else and no index finds them
   * reliably. Null for inner-product spaces (distances there are not comparable this way).
   */
  contrast: number | null;
  curve: RecallPoint[];
  flags: VectorFlag[];
  /** What to change, if anything, with the reasoning. */
  advice: string[];
}

/** A collection setting that differs between the two sides of a diff (values as JSON text). */
export interface SettingChange {
  setting: string;
  a: string;
  b: string;
}

/** What changed in one collection from side a to side b (docs/diff.md). Lists are capped; counts are exact. */
export interface CollectionDiff {
  name: string;
  tenant: string;
  database: string;
  settings: SettingChange[];
  counts: { a: number; b: number; added: number; removed: number; documents: number; metadata: number; embeddings: number; unchanged: number };
  added: string[];
  removed: string[];
  documents: { id: string; a: string | null; b: string | null }[];
  /** Records whose metadata (or uri) changed, with the keys that did. */
  metadata: { id: string; keys: string[] }[];
  /** Records whose embedding changed, largest drift first (null: one side has none, or the dimension changed). */
  embeddings: { id: string; cosineDistance: number | null; dimensions: [number | null, number | null] }[];
  /** Cosine drift over the changed embeddings. */
  drift: { mean: number; max: number } | null;
}

export interface CollectionRefText {
  tenant: string;
  database: string;
  name: string;
}

/** Two folders (or backups, or two collections) compared. */
export interface DiffReport {
  a: string;
  b: string;
  /** Collections only on one side. */
  added: CollectionRefText[];
  removed: CollectionRefText[];
  /** Collections on both sides (matched by tenant, database and name), changed or not. */
  collections: CollectionDiff[];
}

/** A collection's vectors in 2-D (docs/embedding-map.md). */
export interface EmbeddingMap {
  /** PCA (every point, at once) or UMAP (a layout of up to MAX_UMAP_POINTS, in a worker). */
  method: 'pca' | 'umap';
  /** Live vectors in the collection, and how many are drawn (a uniform sample above maxPoints). */
  total: number;
  count: number;
  sampled: boolean;
  maxPoints: number;
  /** The share of the variance each axis shows. */
  explained: [number, number];
  /** Float32 x, y pairs in [-1, 1], base64 (little-endian): point i is ids[i]. */
  xy: string;
  /** Empty when the map was asked for `withIds: false` (mapIds gives them by point). */
  ids: string[];
}

/** Points one mapIds call names at most (a larger lasso asks in batches). */
export const MAX_MAP_IDS = 100_000;
/** Ids one mapPoints call names at most (a clicked point and its neighbours need a dozen). */
export const MAX_MAP_POINT_IDS = 10_000;

/** Per-point colours for the map by one metadata key. */
export interface MapColors {
  key: string;
  kind: 'category' | 'number';
  /** Category names by index (kind category). */
  categories: string[];
  /** For numbers: the range scaled into [0, 1]. */
  min?: number;
  max?: number;
  /** Per point: a category index, or a number in [0, 1]; -1 when the record has no value. */
  values: number[];
}

/**
 * How a collection's text is turned into a vector here: the embedding function Chroma recorded
 * for it (configuration or schema), and whether this machine can run it now.
 */
export interface TextFunctionInfo {
  /** The function's name as recorded (`default`, `onnx_mini_lm_l6_v2`, `openai`, …); null when Chroma recorded none (0.4/0.5 folders) or `legacy`/`unknown`. */
  recorded: string | null;
  /** What runs it here: Chroma's default ONNX model, or an HTTP API; null when nothing can. */
  runner: 'onnx-minilm' | 'openai' | 'cohere' | null;
  /** The model name (all-MiniLM-L6-v2, text-embedding-3-small, …). */
  model: string | null;
  /** Where the text goes: the model folder read here, or the API endpoint the key is sent to. */
  location: string | null;
  /** True when an embedText call now would run (model files and onnxruntime found, or a key at hand). */
  ready: boolean;
  /** True when the recorded function was replaced by the caller's choice (`function: 'default'`). */
  overridden: boolean;
  /** The environment variable Chroma's configuration names for the API key, and whether it is set here. */
  apiKeyEnvVar: string | null;
  apiKeyInEnvironment: boolean;
  /** Why it cannot run (or what to do about it), when `ready` is false; a caveat otherwise. */
  reason: string | null;
}

/** A text embedded as Chroma would embed it for this collection. */
export interface TextEmbedding {
  vector: number[];
  runner: 'onnx-minilm' | 'openai' | 'cohere';
  model: string;
  /** Tokens the model saw (ONNX only, with [CLS] and [SEP]); null for APIs. */
  tokens: number | null;
  /** True when the text was longer than the model's 256 tokens and cut, as Chroma cuts it. */
  truncated: boolean;
}
