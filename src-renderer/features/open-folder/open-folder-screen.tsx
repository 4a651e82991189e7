import { useEffect, useState, type FormEvent } from 'react';
import { useWorkspace } from '../../app/workspace-context.js';
import { ErrorState } from '../../components/error-state.js';
import { Spinner } from '../../components/spinner.js';
import { hasNativePicker, pickFolderNative } from '../../client/electron-port.js';
import { ServerForm } from './server-form.js';
import { RecentFolders, RecentServers } from './recent-sources.js';

type SourceKind = 'folder' | 'server';

/**
 * Nothing open: a folder (a path on the engine's machine, or the native picker in Electron) or a
 * running Chroma server (URL, tenant, database, auth), each with its recent entries.
 */
export function OpenFolderScreen() {
  const ws = useWorkspace();
  const [kind, setKind] = useState<SourceKind>(() => (ws.serverDraft || (ws.recent.length === 0 && ws.recentServers.length > 0) ? 'server' : 'folder'));
  // A recent server that needs its secret typed again brings the server form forward.
  useEffect(() => {
    if (ws.serverDraft) setKind('server');
  }, [ws.serverDraft]);

  if (ws.booting && !ws.opening) {
    return (
      <div className="splash">
        <Spinner />
      </div>
    );
  }
  return (
    <div className="open-screen" data-testid="open-folder-screen">
      <div className="open-card">
        <h1>{kind === 'folder' ? 'Open a Chroma folder' : 'Connect to a Chroma server'}</h1>
        <div className="seg-toggle open-kind" role="tablist" aria-label="Kind of source">
          <button type="button" role="tab" aria-selected={kind === 'folder'} className={kind === 'folder' ? 'on' : ''} onClick={() => setKind('folder')} data-testid="open-kind-folder">
            Folder
          </button>
          <button type="button" role="tab" aria-selected={kind === 'server'} className={kind === 'server' ? 'on' : ''} onClick={() => setKind('server')} data-testid="open-kind-server">
            Chroma server
          </button>
        </div>
        {kind === 'folder' ? (
          <>
            <p className="muted">
              A persistent folder holds <code>chroma.sqlite3</code> and one sub-folder per HNSW segment. It is opened read-only: nothing in it is
              ever written.
            </p>
            <FolderForm />
          </>
        ) : (
          <>
            <p className="muted">
              A running Chroma (single node, distributed or Chroma Cloud), read through its HTTP API: collections, records, filters, vector queries and
              export. Views that need a folder&apos;s files (WAL, SQL, Doctor) say why they are absent.
            </p>
            <ServerForm draft={ws.serverDraft} opening={Boolean(ws.opening)} onOpen={(spec) => void ws.openServer(spec)} />
          </>
        )}
        {ws.opening && (
          <div className="open-progress" data-testid="open-progress">
            <Spinner size="sm" /> {kind === 'server' ? `Connecting to ${ws.opening}…` : `Reading ${ws.opening}…`}
          </div>
        )}
        {ws.openError && <ErrorState error={ws.openError} title={kind === 'server' ? 'Could not open that server' : 'Could not open that folder'} />}
        {kind === 'folder' ? (
          <RecentFolders paths={ws.recent} onOpen={(p) => void ws.openFolder(p)} onForget={ws.forgetRecent} />
        ) : (
          <RecentServers servers={ws.recentServers} onOpen={(s) => void ws.reopenServer(s)} onForget={ws.forgetRecentServer} />
        )}
      </div>
    </div>
  );
}

function FolderForm() {
  const ws = useWorkspace();
  const [path, setPath] = useState(ws.recent[0] ?? '');
  const pick = hasNativePicker();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (path.trim()) void ws.openFolder(path.trim());
  };
  const browse = async () => {
    const chosen = await pickFolderNative();
    if (chosen) {
      setPath(chosen);
      void ws.openFolder(chosen);
    }
  };
  return (
    <form className="open-form" onSubmit={submit}>
      <input
        className="input input-lg"
        value={path}
        onChange={(e) => setPath(e.target.value)}
        placeholder={window.chromaInspector ? '/path/to/chroma' : 'Path on the machine running the server, e.g. /data/chroma'}
        spellCheck={false}
        autoFocus
        data-testid="open-folder-input"
        aria-label="Folder path"
      />
      <button type="submit" className="btn btn-primary" disabled={!path.trim() || Boolean(ws.opening)} data-testid="open-folder-submit">
        {ws.opening ? 'Opening…' : 'Open'}
      </button>
      {pick && (
        <button type="button" className="btn" onClick={() => void browse()} data-testid="open-folder-browse">
          Browse…
        </button>
      )}
    </form>
  );
}
