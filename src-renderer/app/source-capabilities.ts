import type { FolderInfo } from '../../shared/models.js';
import type { ViewId } from './views.js';

/**
 * What the open source can show. The renderer never knows how the engine reaches a source; it
 * only sees `info.server` (data) and decides here, in one place, which views and actions need a
 * folder's files. Each refusal carries the sentence the UI shows instead.
 */
export type SourceKind = 'folder' | 'server';

export interface SourceCapabilities {
  kind: SourceKind;
  /** Folder-only views, each with why a server source cannot feed it. */
  unavailableViews: Partial<Record<ViewId, string>>;
  /** Sorting records by id or metadata (a server answers in its own order only). */
  sortRecords: string | null;
  /** Brute-force "exact" vector queries (they need every stored vector). */
  exactQuery: string | null;
  /** Enabling writes (our write engine writes a folder's files). */
  writes: string | null;
  /** A record's WAL history, segments, HNSW checkpoints: the folder's storage. */
  storage: string | null;
  /**
   * Whether default output paths (backup zips, exports, restores) sit beside the source: a
   * server's "path" is its URL, so there the user names them.
   */
  outputsBesideSource: boolean;
  /** Exporting the write-ahead log. */
  walExport: string | null;
}

/** Why each folder-only view is absent for a server source (shown in its place). */
export const SERVER_VIEW_REASONS: Readonly<Partial<Record<ViewId, string>>> = {
  wal: "The write-ahead log lives in the folder's SQLite file (embeddings_queue); a Chroma server's API does not expose it.",
  metadata:
    "Metadata rows are the folder's embedding_metadata table in SQLite; a Chroma server's API gives each record's metadata (see Records) but not the rows it stores them in.",
  sql: "The SQL console reads the folder's chroma.sqlite3 directly; a Chroma server's API offers no SQL.",
  map: "The embedding map projects every stored vector; a Chroma server's API does not give them in bulk. Open the server's folder, or copy it to one.",
  recall:
    "The recall lab compares the index with exact search over the stored vectors; a Chroma server's API answers only through its own index and does not give its vectors in bulk.",
  doctor:
    "The Doctor checks a folder's files (SQLite, HNSW segments, WAL) and repairs a copy of them; a Chroma server's API exposes none of these files.",
};

export const SERVER_REASONS = {
  sortRecords: 'The Chroma API returns records in its own order: sorting by id or metadata needs a folder source.',
  exactQuery: "An exact (brute-force) query compares every stored vector; a Chroma server's API answers through its own index only.",
  writes: "Writes go through the inspector's engine into a folder's files; a server source is read through the Chroma API only.",
  storage: "Segments, HNSW files and the write-ahead log are the folder's storage; a Chroma server's API does not expose them.",
  walExport: "The write-ahead log lives in the folder's SQLite file; a Chroma server's API does not expose it.",
} as const;

const FOLDER: SourceCapabilities = {
  kind: 'folder',
  unavailableViews: {},
  sortRecords: null,
  exactQuery: null,
  writes: null,
  storage: null,
  outputsBesideSource: true,
  walExport: null,
};

const SERVER: SourceCapabilities = { kind: 'server', unavailableViews: SERVER_VIEW_REASONS, outputsBesideSource: false, ...SERVER_REASONS };

/** The capabilities of the open source (a folder when nothing is open: the open screen's default). */
export function sourceCapabilities(info: Pick<FolderInfo, 'server'> | null | undefined): SourceCapabilities {
  return info?.server ? SERVER : FOLDER;
}

/** Why `view` is absent for this source, or null when it can show it. */
export function viewUnavailable(caps: SourceCapabilities, view: ViewId): string | null {
  return caps.unavailableViews[view] ?? null;
}
