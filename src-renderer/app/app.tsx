import { useEffect, useState } from 'react';
import { connect, type Connection } from '../client/connect.js';
import { ClientProvider } from '../client/client-context.js';
import { WorkspaceProvider } from './workspace-context.js';
import { Shell } from './shell.js';
import { useTheme } from './theme.js';
import { Spinner } from '../components/spinner.js';
import { ErrorState } from '../components/error-state.js';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'failed';

/** Connects to the engine (MessagePort in Electron, WebSocket in the browser), then shows the shell. */
export function App() {
  const theme = useTheme();
  const [connection, setConnection] = useState<Connection | null>(null);
  const [state, setState] = useState<ConnectionState>('connecting');
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    let off: (() => void) | undefined;
    connect().then(
      (c) => {
        if (!live) {
          c.close();
          return;
        }
        off = c.onClose(() => setState('disconnected'));
        setConnection(c);
        setState('connected');
      },
      (err: unknown) => {
        if (!live) return;
        setError(err);
        setState('failed');
      },
    );
    return () => {
      live = false;
      off?.();
    };
  }, []);

  if (state === 'connecting') {
    return (
      <div className="splash" data-testid="connecting">
        <Spinner />
        <span>Connecting to the engine…</span>
      </div>
    );
  }
  if (!connection) {
    return (
      <div className="splash" data-testid="connection-failed">
        <ErrorState error={error} title="Could not reach the engine" onRetry={() => window.location.reload()}>
          <p className="muted">
            In the browser, open the exact URL <code>chroma-inspector serve</code> printed (it carries the <code>?token=</code>).
          </p>
        </ErrorState>
      </div>
    );
  }
  return (
    <ClientProvider client={connection.client}>
      <WorkspaceProvider>
        <Shell connection={state} transport={connection.transport} theme={theme} />
      </WorkspaceProvider>
    </ClientProvider>
  );
}
