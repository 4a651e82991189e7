// Main's side of the Node child host: each window's MessagePortMain becomes one session on the
// child's IPC channel (engine-session-mux.ts). Main only relays; the engine work stays in the child.
import type { EngineHost, MainPortLike } from './engine-host-handle.js';
import { isSessionMessage, type SessionMessage } from './engine-session-mux.js';
import { isPathProduced } from './produced-paths.js';

/** Node's ChildProcess as the bridge uses it (forked with an IPC channel). */
export interface NodeChildLike {
  send(message: SessionMessage): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number | null) => void): unknown;
  readonly connected: boolean;
  disconnect(): void;
  kill(): unknown;
}

export function nodeEngineHost(child: NodeChildLike, stopGraceMs = 5_000): EngineHost {
  const ports = new Map<number, MainPortLike>();
  let nextSession = 1;
  let exited = false;
  const send = (m: SessionMessage) => {
    if (child.connected) child.send(m);
  };

  child.on('message', (raw) => {
    if (isSessionMessage(raw) && raw.type === 'session-message') ports.get(raw.session)?.postMessage(raw.data);
  });
  child.on('exit', () => {
    exited = true;
    // The windows see their port close and report the engine as gone, as with a utility process.
    for (const port of ports.values()) port.close();
    ports.clear();
  });

  return {
    kind: 'node',
    connect(port) {
      if (exited) {
        port.close();
        return;
      }
      const session = nextSession++;
      ports.set(session, port);
      port.on('message', (e) => send({ type: 'session-message', session, data: e.data }));
      port.on('close', () => {
        if (ports.delete(session)) send({ type: 'session-close', session });
      });
      send({ type: 'session-open', session });
      port.start();
    },
    stop() {
      if (exited) return;
      // Disconnecting lets the child close its folders (persisting HNSW checkpoints) and exit;
      // a child that hangs is killed.
      if (child.connected) child.disconnect();
      setTimeout(() => {
        if (!exited) child.kill();
      }, stopGraceMs).unref?.();
    },
    onExit: (listener) => void child.on('exit', () => listener()),
    onPathProduced: (listener) =>
      void child.on('message', (m) => {
        if (isPathProduced(m)) listener(m.path);
      }),
  };
}
