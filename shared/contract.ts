import { z } from 'zod';
import type {
  CollectionInfo,
  DoctorReport,
  FolderInfo,
  GetResult,
  MetadataRowView,
  QueryResult,
  RecordRow,
  TableSize,
  WalRow,
  Window,
} from './models.js';
import { FIX_KINDS, MAX_MAP_IDS, MAX_MAP_POINT_IDS, type FixReport } from './models.js';
import type { CopyReport, DiffReport, EmbeddingMap, MapColors, MigrationPreview, ReplayOutcome, RecallReport, TextEmbedding, TextFunctionInfo, WalExportOutcome, WhyNotAnswer } from './models.js';

/**
 * The one contract between the UI and the engine. Each method has an input schema (validated once,
 * at the engine's boundary) and an output type. Transports carry `{method, input}` and bring back
 * `{ok, value} | {ok:false, error}`; they never know what a method means.
 */

const handle = z.string().min(1);
const collectionId = z.string().min(1);
const windowArgs = {
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(5000).default(100),
};

export const RecordSort = z.discriminatedUnion('by', [
  z.object({ by: z.literal('internal'), desc: z.boolean().default(false) }),
  z.object({ by: z.literal('id'), desc: z.boolean().default(false) }),
  z.object({ by: z.literal('metadata'), key: z.string().min(1), desc: z.boolean().default(false) }),
]);
export type RecordSort = z.infer<typeof RecordSort>;

/** Chroma's local max batch size (SQLite's variable limit / 6): the most ids one delete may name. */
export const MAX_WRITE_BATCH = 5461;

const recordId = z.string().min(1, 'a record id cannot be empty');
/**
 * A record's new metadata, which replaces the old one whole (keys left out are removed; `null` or
 * `{}` removes every key; leave both fields out to keep it). `metadata` types numbers as the
 * chromadb client does (an integral number is an int); `metadataJson` is JSON text read
 * losslessly, so `2.0` stays a float and big integers stay exact. Give one or the other.
 */
const recordContents = {
  document: z.string().nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  metadataJson: z.string().optional(),
};

/**
 * How to reach a Chroma server: the credentials travel with the call and live only in the
 * engine's memory (the app keeps them in Electron safeStorage; the CLI and serve read them from
 * the environment).
 */
export const ServerCredentials = z
  .object({
    token: z.string().min(1).optional(),
    tokenHeader: z.enum(['authorization', 'x-chroma-token']).optional(),
    basicAuth: z.object({ username: z.string(), password: z.string() }).optional(),
    apiKey: z.string().min(1).optional(),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .strict();
export type ServerCredentials = z.infer<typeof ServerCredentials>;

/**
 * How a text becomes a vector (docs/query-by-text.md): the collection's recorded embedding
 * function by default, or Chroma's default model when Chroma recorded none; its model from
 * Chroma's cache, a folder or an onnx.tar.gz URL; an API key that lives only in the engine's
 * memory for the call (the app keeps it in Electron safeStorage, the CLI reads the environment).
 */
export const TextEmbedChoice = z
  .object({
    function: z.enum(['recorded', 'default']).default('recorded'),
    modelDir: z.string().min(1).optional(),
    modelUrl: z.string().min(1).max(2048).optional(),
    apiKey: z.string().min(1).max(4096).optional(),
  })
  .strict();
export type TextEmbedChoice = z.input<typeof TextEmbedChoice>;
/** Longer texts are refused rather than tokenised: the model reads 256 tokens of it at most. */
export const MAX_QUERY_TEXT = 100_000;

const mapMethod = z.enum(['pca', 'umap']).default('pca');

export const inputs = {
  openFolder: z.object({ path: z.string().min(1) }),
  /**
   * A running Chroma server as a source (http(s)://host:port, v2 API: Chroma 0.6 or later): the
   * same handle as a folder's for every method the server's API can answer; the rest answer
   * FOLDER_ONLY saying why.
   */
  openServer: z.object({
    url: z.string().min(1),
    tenant: z.string().min(1).optional(),
    database: z.string().min(1).optional(),
    credentials: ServerCredentials.optional(),
  }),
  defaultFolder: z.object({}),
  closeFolder: z.object({ handle }),
  folderInfo: z.object({ handle }),
  tableSizes: z.object({ handle }),
  collectionInfo: z.object({ handle, collectionId }),
  records: z.object({
    handle,
    collectionId,
    where: z.unknown().optional(),
    whereDocument: z.unknown().optional(),
    ids: z.array(z.string()).optional(),
    sort: RecordSort.optional(),
    ...windowArgs,
  }),
  recordDetail: z.object({ handle, collectionId, id: z.string() }),
  metadataKeys: z.object({ handle, collectionId }),
  get: z.object({ handle, collectionId, args: z.unknown() }),
  // exact: the true nearest neighbours by brute force, to show what Chroma's HNSW index misses.
  // `queryTexts` in args are embedded first, as the client does (see TextEmbedChoice).
  query: z.object({ handle, collectionId, args: z.unknown(), exact: z.boolean().default(false), embed: TextEmbedChoice.optional() }),
  /** How this collection's text is embedded here, and whether it can be now. */
  textFunction: z.object({ handle, collectionId, embed: TextEmbedChoice.optional() }),
  /** A text as a vector, embedded as Chroma would for this collection's `queryTexts` (with progress when a model is downloaded). */
  embedText: z.object({ handle, collectionId, text: z.string().max(MAX_QUERY_TEXT), embed: TextEmbedChoice.optional() }),
  /** Why record `id` is not among a query's results (args: the client's query arguments, one vector). */
  whyNot: z.object({ handle, collectionId, args: z.unknown(), id: z.string().min(1), embed: TextEmbedChoice.optional() }),
  /**
   * What changed from the open source (a folder, or a server's tenant/database) to `other`: a folder
   * or backup zip path, or a Chroma server URL (`?tenant=&database=`; the host's server policy
   * applies). Every collection or one (collectionId) against its namesake or `against` (a name in other).
   */
  diff: z.object({
    handle,
    other: z.string().min(1),
    collectionId: z.string().min(1).optional(),
    against: z.string().min(1).optional(),
    limit: z.number().int().min(0).max(1_000_000).default(1000),
  }),
  /**
   * The collection's vectors in 2-D: PCA (every point or a uniform sample of maxPoints, at once),
   * or UMAP (up to 50,000 points, laid out in a worker from the HNSW neighbour graph, with
   * progress and cancel; maxPoints does not apply). `withIds: false` sends the map without its
   * ids (`ids` is empty: ~20 MB of JSON at a million points); mapIds gives them by point.
   */
  embeddingMap: z.object({ handle, collectionId, maxPoints: z.number().int().min(1).max(1_000_000).default(1_000_000), method: mapMethod, withIds: z.boolean().default(true) }),
  /**
   * The record ids of map points, by index into the map (for a map sent without its ids), in the
   * order asked. Any engine answers: a map's points are the same on each (it is deterministic).
   */
  mapIds: z.object({ handle, collectionId, method: mapMethod, maxPoints: z.number().int().min(1).max(1_000_000).default(1_000_000), points: z.array(z.number().int().min(0)).max(MAX_MAP_IDS) }),
  /** The other way: each record id's point on the map, or null when the map does not draw it. */
  mapPoints: z.object({ handle, collectionId, method: mapMethod, maxPoints: z.number().int().min(1).max(1_000_000).default(1_000_000), ids: z.array(z.string()).max(MAX_MAP_POINT_IDS) }),
  /** The map's colours by one metadata key. */
  mapColors: z.object({ handle, collectionId, key: z.string().min(1), maxPoints: z.number().int().min(1).max(1_000_000).default(1_000_000), method: mapMethod }),
  /** Where a query vector falls on the map. */
  mapProject: z.object({ handle, collectionId, vector: z.array(z.number()).min(1).max(65_536), maxPoints: z.number().int().min(1).max(1_000_000).default(1_000_000), method: mapMethod }),
  /** The recall lab: graph search against exact search for a sample of the collection's own vectors. */
  recall: z.object({
    handle,
    collectionId,
    k: z.number().int().min(1).max(1000).default(10),
    queries: z.number().int().min(1).max(10_000).default(200),
    seed: z.number().int().min(1).default(1),
    efValues: z.array(z.number().int().min(1).max(100_000)).max(32).optional(),
  }),
  count: z.object({ handle, collectionId }),
  walRows: z.object({
    handle,
    collectionId: z.string().optional(),
    operation: z.enum(['ADD', 'UPDATE', 'UPSERT', 'DELETE']).optional(),
    id: z.string().optional(),
    ...windowArgs,
  }),
  walVector: z.object({ handle, seqId: z.number().int() }),
  metadataRows: z.object({
    handle,
    collectionId: z.string().optional(),
    key: z.string().optional(),
    ...windowArgs,
  }),
  sql: z.object({ handle, sql: z.string().min(1), ...windowArgs }),
  backup: z.object({ handle, outZip: z.string().min(1), collectionId: z.string().optional(), excludeOrphans: z.boolean().default(false) }),
  verifyBackup: z.object({ zip: z.string().min(1) }),
  restoreBackup: z.object({ zip: z.string().min(1), newFolder: z.string().min(1) }),
  exportRecords: z.object({
    handle,
    collectionId,
    outFile: z.string().min(1),
    format: z.enum(['jsonl', 'csv', 'parquet']),
    args: z.record(z.string(), z.unknown()).optional(),
  }),
  /** Writes are off for every folder until this turns them on (and never for eras the writer refuses). */
  // Enabling writes carries the folder's name as its confirmation (what the UI's dialog asks for).
  setWritable: z.object({ handle, writable: z.boolean(), force: z.boolean().default(false), confirm: z.string().optional() }),
  updateRecord: z.object({ handle, collectionId, id: recordId, ...recordContents }),
  deleteRecords: z.object({ handle, collectionId, ids: z.array(recordId).min(1, 'give at least one id').max(MAX_WRITE_BATCH) }),
  /** Updates the record when it exists (the embedding may then be left out), else adds it. */
  upsertRecord: z.object({ handle, collectionId, id: recordId, ...recordContents, embedding: z.array(z.number()).min(1).optional() }),
  /**
   * The doctor's read-only health report of the whole folder (every tenant and database), with
   * progress and cancel. measureReclaim purges and vacuums a temporary copy of chroma.sqlite3 to
   * measure what that gives back (slow); private leaves out record ids, documents and paths.
   */
  doctor: z.object({ handle, measureReclaim: z.boolean().default(false), private: z.boolean().default(false) }),
  /**
   * Copy-first repair into a new folder (the open folder is only read), with progress and cancel:
   * the fixes named by `only` (default all) run on a copy that is verified against the original
   * before it is renamed to `target`.
   */
  fix: z.object({ handle, target: z.string().min(1), only: z.array(z.enum(FIX_KINDS)).optional() }),
  /**
   * What Chroma `to` (`1.3.4`, or `js-1.3.4` for the JS bindings) does to the open folder: a
   * verified copy migrated exactly as that release migrates at start, written to `newFolder` (new
   * or empty); the open folder is only read. With progress and cancel.
   */
  migratePreview: z.object({ handle, newFolder: z.string().min(1), to: z.string().min(1) }),
  /** Point-in-time restore: a new folder holding the state as of WAL entry `seq` (only for a WAL never purged). */
  replayToSeq: z.object({ handle, newFolder: z.string().min(1), seq: z.number().int().min(0) }),
  /** The WAL, one row per entry, to JSONL or Parquet; one collection's or all of it. */
  exportWal: z.object({
    handle,
    outFile: z.string().min(1),
    format: z.enum(['jsonl', 'parquet']),
    collectionId: z.string().optional(),
    embeddings: z.boolean().default(true),
  }),
  /**
   * Copies the open source's collection (or, without collectionId, every collection of its
   * tenant/database) into another folder or server, batched at the target's max batch size, with
   * progress and cancel, then verifies it (counts, sample records in full, sample queries). A
   * non-empty target collection is refused unless `resume`, which skips the ids it holds.
   */
  copyTo: z.object({
    handle,
    collectionId: z.string().optional(),
    /** Without collectionId: the tenant/database whose every collection is copied (default: the source's own, or a folder's default one). */
    scope: z.object({ tenant: z.string().min(1), database: z.string().min(1) }).optional(),
    target: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('folder'), path: z.string().min(1), tenant: z.string().min(1).optional(), database: z.string().min(1).optional() }),
      z.object({
        kind: z.literal('server'),
        url: z.string().min(1),
        tenant: z.string().min(1).optional(),
        database: z.string().min(1).optional(),
        credentials: ServerCredentials.optional(),
      }),
    ]),
    resume: z.boolean().default(false),
  }),
} as const;

/** What a backup, verify or restore reports about each collection. */
export interface BackupCollectionSummary {
  tenant: string;
  database: string;
  name: string;
  id: string;
  count: number;
  /** What the manifest recorded at backup time; null for a plain zip without one. */
  expected: number | null;
}

export interface BackupOutcome {
  zip: string;
  bytes: number;
  collections: BackupCollectionSummary[];
}

export interface VerifyOutcome {
  zip: string;
  files: number;
  bytes: number;
  hasManifest: boolean;
  collections: BackupCollectionSummary[];
  warnings: string[];
}

export interface RestoreOutcome extends Omit<VerifyOutcome, 'zip'> {
  folder: string;
}

export interface ExportOutcome {
  file: string;
  format: 'jsonl' | 'csv' | 'parquet';
  records: number;
  warnings: string[];
}

export interface MetadataKeyInfo {
  key: string;
  types: string[];
  records: number;
}

export interface SqlResult {
  columns: string[];
  rows: unknown[][];
  /** Rows returned before the window was cut; `truncated` when more exist. */
  offset: number;
  truncated: boolean;
}

export interface OpenedFolder {
  handle: string;
  info: FolderInfo;
  /** Whether writes are enabled for this handle (off for a folder opened fresh). */
  writable?: boolean;
}

export interface WritableState {
  writable: boolean;
  /** Something to know before writing, e.g. a journal or a very recent change by another writer. */
  warning?: string;
}

export interface Outputs {
  openFolder: OpenedFolder;
  openServer: OpenedFolder;
  /** What the host was started with: a folder, and/or a server (whose credentials the host holds). */
  defaultFolder: { path: string | null; server?: { url: string; tenant?: string; database?: string } };
  closeFolder: { closed: boolean };
  folderInfo: FolderInfo;
  tableSizes: TableSize[];
  collectionInfo: CollectionInfo;
  records: Window<RecordRow>;
  recordDetail: RecordRow;
  metadataKeys: MetadataKeyInfo[];
  get: GetResult;
  query: QueryResult;
  whyNot: WhyNotAnswer;
  textFunction: TextFunctionInfo;
  embedText: TextEmbedding;
  recall: RecallReport;
  diff: DiffReport;
  embeddingMap: EmbeddingMap;
  mapColors: MapColors;
  mapProject: { x: number; y: number };
  mapIds: string[];
  mapPoints: (number | null)[];
  count: number;
  walRows: Window<WalRow>;
  walVector: number[] | null;
  metadataRows: Window<MetadataRowView>;
  sql: SqlResult;
  backup: BackupOutcome;
  verifyBackup: VerifyOutcome;
  restoreBackup: RestoreOutcome;
  exportRecords: ExportOutcome;
  setWritable: WritableState;
  /** The record read back through the read engine after the write. */
  updateRecord: RecordRow;
  deleteRecords: { deleted: number };
  upsertRecord: RecordRow;
  doctor: DoctorReport;
  fix: FixReport;
  migratePreview: MigrationPreview;
  replayToSeq: ReplayOutcome;
  exportWal: WalExportOutcome;
  copyTo: CopyReport;
}

export type Method = keyof typeof inputs;
export type Input<M extends Method> = z.input<(typeof inputs)[M]>;
export type ParsedInput<M extends Method> = z.output<(typeof inputs)[M]>;
export type Output<M extends Method> = Outputs[M];

export const METHODS = Object.keys(inputs) as Method[];
/** Own keys only: `__proto__`, `constructor` and the like are not methods. */
export const isMethod = (m: unknown): m is Method => typeof m === 'string' && Object.hasOwn(inputs, m);
