import { serverKey, serverLabel, type RecentServer } from '../../app/recent-servers.js';
import { AUTH_LABELS } from './server-auth.js';

/** Recent folders (paths) for the folder form. */
export function RecentFolders({ paths, onOpen, onForget }: { paths: string[]; onOpen(path: string): void; onForget(path: string): void }) {
  if (paths.length === 0) return null;
  return (
    <div className="recent">
      <h2>Recent folders</h2>
      <ul>
        {paths.map((p) => (
          <li key={p} className="recent-item">
            <button type="button" className="recent-open" onClick={() => onOpen(p)} data-testid="recent-folder" title={p}>
              {p}
            </button>
            <button type="button" className="btn btn-icon btn-ghost" onClick={() => onForget(p)} aria-label={`Forget ${p}`} title="Forget">
              ×
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Recent servers: where and which auth, never the secret (Forget also drops a kept secret). */
export function RecentServers({ servers, onOpen, onForget }: { servers: RecentServer[]; onOpen(s: RecentServer): void; onForget(key: string): void }) {
  if (servers.length === 0) return null;
  return (
    <div className="recent">
      <h2>Recent servers</h2>
      <ul>
        {servers.map((s) => {
          const key = serverKey(s);
          const label = serverLabel(s);
          return (
            <li key={key} className="recent-item">
              <button type="button" className="recent-open" onClick={() => onOpen(s)} data-testid="recent-server" data-url={s.url} title={label}>
                {label}
                {s.auth !== 'none' && <span className="recent-auth">{AUTH_LABELS[s.auth]}</span>}
              </button>
              <button type="button" className="btn btn-icon btn-ghost" onClick={() => onForget(key)} aria-label={`Forget ${label}`} title="Forget (and any kept secret)">
                ×
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
