import type { ConnectionState } from './app.js';
import type { Transport } from '../client/connect.js';
import { useWorkspace } from './workspace-context.js';
import { formatCount } from '../components/value/format.js';
import { WritesToggle } from './writes-toggle.js';

/** Folder path, era, read-only / writable badge and the writes switch, WAL, problems, connection. */
export function StatusBar({ connection, transport }: { connection: ConnectionState; transport: Transport }) {
  const ws = useWorkspace();
  const info = ws.folder?.info;
  const errors = info?.problems.filter((p) => p.severity === 'error').length ?? 0;
  const warnings = info?.problems.filter((p) => p.severity === 'warning').length ?? 0;
  const server = info?.server;
  return (
    <footer className="statusbar" data-testid="status-bar">
      <span className={`status-conn status-${connection}`} data-testid="connection-state" data-state={connection}>
        <span className="dot" aria-hidden="true" />
        {connection === 'connected' ? (transport === 'electron' ? 'engine' : 'connected') : connection}
      </span>
      {info ? (
        <>
          <span
            className={`status-item status-readonly${ws.writable ? ' writable' : ''}`}
            data-testid="readonly-badge"
            data-writable={String(ws.writable)}
            title={
              ws.capabilities.writes ??
              (ws.writable
                ? `Writes are enabled: edits and deletes change the folder on disk${ws.writeWarning ? `\n▲ ${ws.writeWarning}` : ''}`
                : 'The folder is opened read-only: nothing is written until you enable writes')
            }
          >
            {ws.writable ? (ws.writeWarning ? 'writable ▲' : 'writable') : 'read-only'}
          </span>
          <WritesToggle />
          {server ? (
            <span className="status-item" data-testid="status-era" title={`${server.tenant}/${server.database} through the v2 API`}>
              Chroma {server.version}
            </span>
          ) : (
            <span className="status-item" data-testid="status-era" title={`Chroma ${info.era.chromaVersions}`}>
              {info.era.label}
            </span>
          )}
          <span className="status-item status-path" title={info.path}>
            {info.path}
          </span>
          <span className="spacer" />
          {ws.collection && <span className="status-item">{ws.collection.name}</span>}
          {!server && <span className="status-item">WAL {formatCount(info.walRows)}</span>}
          {(errors > 0 || warnings > 0) && (
            <button type="button" className="status-item status-problems" onClick={() => ws.setView('overview')} data-testid="status-problems">
              {errors > 0 && <span className="sev-error">● {errors}</span>} {warnings > 0 && <span className="sev-warn">▲ {warnings}</span>}
            </button>
          )}
          {!server && info.activity.likelyInUse && (
            <span className="status-item sev-warn" title={info.activity.reasons.join('\n')}>
              in use
            </span>
          )}
        </>
      ) : (
        <span className="status-item muted">{ws.opening ? `Opening ${ws.opening}…` : 'No folder open'}</span>
      )}
    </footer>
  );
}
