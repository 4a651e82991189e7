import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useState, type ReactNode } from 'react';
import { useClient } from '../client/client-context.js';
import { toInspectorError } from '../client/async-state.js';
import { addRecent, loadRecent, removeRecent, saveRecent } from './recent-folders.js';
import { addRecentServer, loadRecentServers, normalizeServerUrl, removeRecentServer, saveRecentServers, serverKey, type AuthKind, type RecentServer } from './recent-servers.js';
import { forgetServerSecret, loadServerSecret, saveServerSecret } from './server-secrets.js';
import { sourceCapabilities, type SourceCapabilities } from './source-capabilities.js';
import { allCollections, initialWorkspace, workspaceReducer, type WorkspaceAction, type WorkspaceState } from './workspace-state.js';
import type { CollectionSummary } from '../../shared/models.js';
import type { ServerCredentials, WritableState } from '../../shared/contract.js';
import type { ViewId } from './views.js';

/** A Chroma server to open, as the open screen's form (or a recent entry) gives it. */
export interface ServerOpenSpec {
  url: string;
  tenant?: string;
  database?: string;
  auth: AuthKind;
  credentials?: ServerCredentials;
  /** Desktop app: keep the credentials in safeStorage so the recent entry reopens without asking. */
  remember?: boolean;
  /** False for the host's own default server (serve's environment holds its credentials). */
  record?: boolean;
}

export interface Workspace extends WorkspaceState {
  dispatch: (a: WorkspaceAction) => void;
  collection: CollectionSummary | null;
  collections: CollectionSummary[];
  recent: string[];
  recentServers: RecentServer[];
  /** What the open source can show (folder or server); see source-capabilities.ts. */
  capabilities: SourceCapabilities;
  openFolder(path: string): Promise<void>;
  /** Resolves true once open; on failure `openError` says why. */
  openServer(spec: ServerOpenSpec): Promise<boolean>;
  /**
   * Reopens a recent server with its kept secret (desktop app) or none. When a secret is needed
   * and not kept, or the open fails (a stale secret …), the open screen's server form is filled in
   * from the entry (`serverDraft`) for the user to complete.
   */
  reopenServer(server: RecentServer): Promise<'opened' | 'needs-secret' | 'failed'>;
  forgetRecentServer(key: string): void;
  /** The recent server the open screen's form starts from (set by reopenServer). */
  serverDraft: RecentServer | null;
  /** Why the secret of the server just opened was not kept (no system encryption …). */
  secretNotice: string | null;
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
  const [recentServers, setRecentServers] = useState<RecentServer[]>(() => loadRecentServers());
  const [serverDraft, setServerDraft] = useState<RecentServer | null>(null);
  const [secretNotice, setSecretNotice] = useState<string | null>(null);
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

  const openServer = useCallback(
    async (spec: ServerOpenSpec): Promise<boolean> => {
      const url = normalizeServerUrl(spec.url);
      const tenant = spec.tenant?.trim() || undefined;
      const database = spec.database?.trim() || undefined;
      dispatch({ type: 'opening', path: url });
      setSecretNotice(null);
      let folder;
      try {
        folder = await client.call('openServer', { url, ...(tenant ? { tenant } : {}), ...(database ? { database } : {}), ...(spec.credentials ? { credentials: spec.credentials } : {}) });
      } catch (err) {
        dispatch({ type: 'openFailed', error: toInspectorError(err) });
        return false;
      }
      dispatch({ type: 'opened', folder });
      setServerDraft(null);
      if (spec.record === false) return true;
      // Recorded as the server resolved it, so "no tenant typed" and "default_tenant" are one entry.
      const entry: RecentServer = { url, auth: spec.auth };
      const t = folder.info.server?.tenant ?? tenant;
      const d = folder.info.server?.database ?? database;
      if (t) entry.tenant = t;
      if (d) entry.database = d;
      setRecentServers((r) => {
        const next = addRecentServer(r, entry);
        saveRecentServers(next);
        return next;
      });
      const key = serverKey(entry);
      if (spec.credentials && spec.remember) {
        const kept = await saveServerSecret(key, spec.credentials);
        setSecretNotice(kept.saved ? null : (kept.reason ?? 'The secret was not kept'));
      } else {
        // Not to be remembered (or no auth any more): drop what an earlier open kept.
        await forgetServerSecret(key);
      }
      return true;
    },
    [client],
  );

  const reopenServer = useCallback(
    async (server: RecentServer): Promise<'opened' | 'needs-secret' | 'failed'> => {
      const credentials = server.auth === 'none' ? undefined : await loadServerSecret(serverKey(server));
      if (server.auth !== 'none' && !credentials) {
        setServerDraft(server);
        return 'needs-secret';
      }
      if (await openServer({ ...server, ...(credentials ? { credentials, remember: true } : {}) })) return 'opened';
      setServerDraft(server);
      return 'failed';
    },
    [openServer],
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
      .then(({ path, server }) => {
        if (!live) return;
        // serve started on a server URL: its credentials come from serve's environment.
        if (server) return openServer({ ...server, auth: 'none', record: false }).then(() => undefined);
        if (path) return openFolder(path);
      })
      .catch(() => undefined)
      .finally(() => live && setBooting(false));
    return () => {
      live = false;
    };
  }, [client, openFolder, openServer]);

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
      recentServers,
      capabilities: sourceCapabilities(state.folder?.info),
      booting,
      openFolder,
      openServer,
      reopenServer,
      serverDraft,
      secretNotice,
      forgetRecentServer: (key) => {
        void forgetServerSecret(key);
        setRecentServers((r) => {
          const next = removeRecentServer(r, key);
          saveRecentServers(next);
          return next;
        });
      },
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
  }, [state, recent, recentServers, serverDraft, secretNotice, booting, openFolder, openServer, reopenServer, closeFolder, refreshInfo, setWritable, afterWrite]);

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
