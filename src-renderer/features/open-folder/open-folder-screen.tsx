import { useState, type FormEvent } from 'react';
import { useWorkspace } from '../../app/workspace-context.js';
import { ErrorState } from '../../components/error-state.js';
import { Spinner } from '../../components/spinner.js';
import { hasNativePicker, pickFolderNative } from '../../client/electron-port.js';

/** No folder open: a path field (server-side path), the native picker in Electron, recent folders. */
export function OpenFolderScreen() {
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
        <h1>Open a Chroma folder</h1>
        <p className="muted">
          A persistent folder holds <code>chroma.sqlite3</code> and one sub-folder per HNSW segment. It is opened read-only: nothing in it is
          ever written.
        </p>
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
        {ws.opening && (
          <div className="open-progress">
            <Spinner size="sm" /> Reading {ws.opening}…
          </div>
        )}
        {ws.openError && <ErrorState error={ws.openError} title="Could not open that folder" />}
        {ws.recent.length > 0 && (
          <div className="recent">
            <h2>Recent</h2>
            <ul>
              {ws.recent.map((p) => (
                <li key={p} className="recent-item">
                  <button type="button" className="recent-open" onClick={() => void ws.openFolder(p)} data-testid="recent-folder" title={p}>
                    {p}
                  </button>
                  <button type="button" className="btn btn-icon btn-ghost" onClick={() => ws.forgetRecent(p)} aria-label={`Forget ${p}`} title="Forget">
                    ×
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
    </div>
  );
}
