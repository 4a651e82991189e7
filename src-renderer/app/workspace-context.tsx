import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useState, type ReactNode } from 'react';
import { useClient } from '../client/client-context.js';
import { toInspectorError } from '../client/async-state.js';
import { addRecent, loadRecent, removeRecent, saveRecent } from './recent-folders.js';
import { allCollections, initialWorkspace, workspaceReducer, type WorkspaceAction, type WorkspaceState } from './workspace-state.js';
import type { CollectionSummary } from '../../shared/models.js';
import type { WritableState } from '../../shared/contract.js';
import type { ViewId } from './views.js';

export interface Workspace extends WorkspaceState {
  dispatch: (a: WorkspaceAction) => void;
  collection: CollectionSummary | null;
  collections: CollectionSummary[];
  recent: string[];
  openFolder(path: string): Promise<void>;
  closeFolder(): Promise<void>;
  refreshInfo(): Promise<void>;
  /** Turns writes on or off for the open folder; rejects with the engine's reason (FOLDER_BUSY, READ_ONLY …). */
  setWritable(writable: boolean, force?: boolean): Promise<WritableState>;
  /** After a write: grids re-fetch, folder info (counts) reloads. */
  afterWrite(): void;
  forgetRecent(path: string): void;
  setView(view: ViewId): void;
  selectCollection(id: string, view?: ViewId): void;
  /** Set while the startup `defaultFolder` lookup runs. */
  booting: boolean;
}

const WorkspaceContext = createContext<Workspace | null>(null);

/** The open folder, selected collection and view, plus the actions that change them. */
export function WorkspaceProvider({ children }: { children: ReactNode }) {
  const client = useClient();
  const [state, dispatch] = useReducer(workspaceReducer, initialWorkspace);
  const [recent, setRecent] = useState<string[]>(() => loadRecent());
  const [booting, setBooting] = useState(true);

  const openFolder = useCallback(
    async (path: string) => {
      dispatch({ type: 'opening', path });
      try {
        const folder = await client.call('openFolder', { path });
        dispatch({ type: 'opened', folder });
        setRecent((r) => {
          const next = addRecent(r, folder.info.path || path);
          saveRecent(next);
          return next;
        });
      } catch (err) {
        dispatch({ type: 'openFailed', error: toInspectorError(err) });
      }
    },
    [client],
  );

  const closeFolder = useCallback(async () => {
    const handle = state.folder?.handle;
    dispatch({ type: 'closed' });
    if (handle) await client.call('closeFolder', { handle }).catch(() => undefined);
  }, [client, state.folder?.handle]);

  const refreshInfo = useCallback(async () => {
    if (!state.folder) return;
    const info = await client.call('folderInfo', { handle: state.folder.handle });
    dispatch({ type: 'info', info });
  }, [client, state.folder]);

  const handle = state.folder?.handle;
  const folderPath = state.folder?.info.path;
  const setWritable = useCallback(
    async (writable: boolean, force = false) => {
      if (!handle) throw new Error('No folder open');
      // Enabling carries the folder's name: the wire's form of the confirmation the dialog asked for.
      const confirm = writable ? folderPath?.split(/[\\/]/).filter(Boolean).pop() : undefined;
      const result = await client.call('setWritable', { handle, writable, force, ...(confirm ? { confirm } : {}) });
      dispatch({ type: 'writable', writable: result.writable, warning: result.warning });
      return result;
    },
    [client, handle, folderPath],
  );

  const afterWrite = useCallback(() => {
    dispatch({ type: 'wrote' });
    void refreshInfo().catch(() => undefined);
  }, [refreshInfo]);

  // Startup: open the host's default folder when it has one.
  useEffect(() => {
    let live = true;
    client
      .call('defaultFolder', {})
      .then(({ path }) => {
        if (live && path) return openFolder(path);
      })
      .catch(() => undefined)
      .finally(() => live && setBooting(false));
    return () => {
      live = false;
    };
  }, [client, openFolder]);

  // Electron menu: "Open folder…".
  useEffect(() => window.chromaInspector?.onOpenFolder?.((path) => void openFolder(path)), [openFolder]);

  const value = useMemo<Workspace>(() => {
    const collections = allCollections(state.folder?.info);
    return {
      ...state,
      dispatch,
      collections,
      collection: collections.find((c) => c.id === state.collectionId) ?? null,
      recent,
      booting,
      openFolder,
      closeFolder,
      refreshInfo,
      setWritable,
      afterWrite,
      forgetRecent: (path) =>
        setRecent((r) => {
          const next = removeRecent(r, path);
          saveRecent(next);
          return next;
        }),
      setView: (view) => dispatch({ type: 'view', view }),
      selectCollection: (id, view) => dispatch({ type: 'collection', id, view }),
    };
  }, [state, recent, booting, openFolder, closeFolder, refreshInfo, setWritable, afterWrite]);

  return <WorkspaceContext.Provider value={value}>{children}</WorkspaceContext.Provider>;
}

export function useWorkspace(): Workspace {
  const ws = useContext(WorkspaceContext);
  if (!ws) throw new Error('useWorkspace() outside <WorkspaceProvider>');
  return ws;
}

/** Views that need an open folder use this; the shell only renders them when one is open. */
export function useOpenFolder() {
  const ws = useWorkspace();
  if (!ws.folder) throw new Error('No folder open');
  return { ...ws, folder: ws.folder, handle: ws.folder.handle, info: ws.folder.info };
}
