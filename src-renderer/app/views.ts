/** The tabs of the workspace, their shortcuts (g + key, or Alt+number) and whether they need a collection. */
export type ViewId = 'overview' | 'collection' | 'records' | 'search' | 'query' | 'wal' | 'metadata' | 'sql' | 'backup' | 'doctor' | 'recall' | 'diff' | 'map';

export interface ViewDef {
  id: ViewId;
  label: string;
  /** Second key of the `g <key>` sequence. */
  key: string;
  needsCollection: boolean;
  description: string;
}

export const VIEWS: readonly ViewDef[] = [
  { id: 'overview', label: 'Overview', key: 'o', needsCollection: false, description: 'Folder era, files, WAL, health' },
  { id: 'collection', label: 'Collection', key: 'c', needsCollection: true, description: 'Configuration, segments, HNSW state' },
  { id: 'records', label: 'Records', key: 'r', needsCollection: true, description: 'Every record, paged and sortable' },
  { id: 'search', label: 'Search', key: 's', needsCollection: true, description: 'where / where_document builder' },
  { id: 'query', label: 'Vector query', key: 'v', needsCollection: true, description: 'Nearest neighbours by vector' },
  { id: 'wal', label: 'WAL', key: 'w', needsCollection: false, description: 'embeddings_queue rows' },
  { id: 'metadata', label: 'Metadata rows', key: 'm', needsCollection: false, description: 'embedding_metadata, typed' },
  { id: 'sql', label: 'SQL', key: 'q', needsCollection: false, description: 'Read-only SQL console' },
  { id: 'backup', label: 'Backup', key: 'b', needsCollection: false, description: 'Back up, verify, restore, export' },
  { id: 'doctor', label: 'Doctor', key: 'd', needsCollection: false, description: 'Health report, storage, repair on a copy, migration preview' },
  { id: 'map', label: 'Map', key: 'p', needsCollection: true, description: 'Embedding map: every vector in 2-D, coloured by metadata' },
  { id: 'recall', label: 'Recall', key: 'k', needsCollection: true, description: 'Recall lab: the HNSW index against exact search' },
  { id: 'diff', label: 'Diff', key: 'f', needsCollection: false, description: 'Compare with another folder, backup or server' },
];

export const viewById = (id: ViewId): ViewDef => VIEWS.find((v) => v.id === id) ?? VIEWS[0]!;

/** `g r` style label plus the Alt+N alternative. */
export function shortcutLabel(view: ViewDef): string {
  const n = VIEWS.indexOf(view) + 1;
  return n <= 10 ? `g ${view.key} · Alt+${n % 10}` : `g ${view.key}`;
}
