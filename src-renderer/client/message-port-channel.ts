import type { ClientMessage, ServerMessage } from '../../shared/protocol.js';
import { isServerMessage, type ClosableChannel } from './websocket-channel.js';

/**
 * The engine protocol over an Electron MessagePort (structured clone, no JSON). The port comes
 * from the preload's `window.chromaInspector.connect()`.
 */
export function createMessagePortChannel(port: InspectorPortLike): ClosableChannel {
  const listeners = new Set<(m: ServerMessage) => void>();
  const closeListeners = new Set<() => void>();
  let closed = false;

  port.onmessage = (event) => {
    const msg = event.data;
    if (!isServerMessage(msg)) return;
    for (const l of [...listeners]) l(msg);
  };
  port.start?.();
  const fireClose = () => {
    if (closed) return;
    closed = true;
    for (const l of [...closeListeners]) l();
  };
  port.addEventListener?.('close', fireClose);

  return {
    ready: Promise.resolve(),
    send(message: ClientMessage) {
      if (!closed) port.postMessage(message);
    },
    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    close() {
      port.close?.();
      fireClose();
    },
  };
}
