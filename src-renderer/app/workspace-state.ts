import type { OpenedFolder } from '../../shared/contract.js';
import type { InspectorError } from '../../shared/errors.js';
import type { CollectionSummary, FolderInfo } from '../../shared/models.js';
import type { ViewId } from './views.js';

/** A filter applied from the search builder, plain JSON as the engine takes it. */
export interface AppliedFilter {
  where?: unknown;
  whereDocument?: unknown;
}

export interface WorkspaceState {
  folder: OpenedFolder | null;
  opening: string | null;
  openError: InspectorError | null;
  collectionId: string | null;
  view: ViewId;
  /** WAL view's filter, set by "history of this id" or a collection's "show WAL rows". */
  walFilter: WalFilter | null;
  paletteOpen: boolean;
  /** Vector query seeded from a record ("find similar"). */
  queryId: string | null;
  /** "Why not this record?" asked from a record panel: the query view explains it for its query. */
  whyNotId: string | null;
  /** Writes enabled for the open folder (off for every folder until the user turns them on). */
  writable: boolean;
  /** What the engine said to know when writes were enabled (journal, recent change …). */
  writeWarning: string | null;
  /** Bumped after every write: grids and key lists re-fetch what they show. */
  revision: number;
}

export interface WalFilter {
  collectionId?: string;
  id?: string;
}

export type WorkspaceAction =
  | { type: 'opening'; path: string }
  | { type: 'opened'; folder: OpenedFolder }
  | { type: 'openFailed'; error: InspectorError }
  | { type: 'closed' }
  | { type: 'info'; info: FolderInfo }
  | { type: 'collection'; id: string | null; view?: ViewId }
  | { type: 'view'; view: ViewId }
  | { type: 'walFilter'; filter: WalFilter | null }
  | { type: 'palette'; open: boolean }
  | { type: 'similar'; id: string }
  | { type: 'whyNot'; id: string }
  | { type: 'writable'; writable: boolean; warning?: string | undefined }
  | { type: 'wrote' };

export const initialWorkspace: WorkspaceState = {
  folder: null,
  opening: null,
  openError: null,
  collectionId: null,
  view: 'overview',
  walFilter: null,
  paletteOpen: false,
  queryId: null,
  whyNotId: null,
  writable: false,
  writeWarning: null,
  revision: 0,
};

export function workspaceReducer(state: WorkspaceState, action: WorkspaceAction): WorkspaceState {
  switch (action.type) {
    case 'opening':
      return { ...state, opening: action.path, openError: null };
    case 'opened': {
      const first = allCollections(action.folder.info)[0];
      return { ...initialWorkspace, folder: action.folder, collectionId: first?.id ?? null, view: 'overview', writable: action.folder.writable ?? false };
    }
    case 'openFailed':
      return { ...state, opening: null, openError: action.error };
    case 'closed':
      return { ...initialWorkspace };
    case 'info':
      return state.folder ? { ...state, folder: { ...state.folder, info: action.info } } : state;
    case 'collection':
      return { ...state, collectionId: action.id, queryId: null, whyNotId: null, view: action.view ?? (state.view === 'overview' ? 'collection' : state.view) };
    case 'view':
      return { ...state, view: action.view, paletteOpen: false };
    case 'walFilter':
      return { ...state, walFilter: action.filter, view: 'wal' };
    case 'similar':
      return { ...state, queryId: action.id, view: 'query' };
    case 'whyNot':
      return { ...state, whyNotId: action.id, view: 'query' };
    case 'palette':
      return { ...state, paletteOpen: action.open };
    case 'writable':
      return state.folder ? { ...state, writable: action.writable, writeWarning: action.writable ? (action.warning ?? null) : null } : state;
    case 'wrote':
      return { ...state, revision: state.revision + 1 };
  }
}

export function allCollections(info: FolderInfo | undefined | null): CollectionSummary[] {
  if (!info) return [];
  return info.tenants.flatMap((t) => t.databases.flatMap((d) => d.collections));
}

/** `name`, or `tenant/database/name` when the name alone is ambiguous. */
export function collectionLabel(c: CollectionSummary, all: CollectionSummary[]): string {
  const dup = all.filter((x) => x.name === c.name).length > 1;
  return dup ? `${c.tenant}/${c.database}/${c.name}` : c.name;
}
