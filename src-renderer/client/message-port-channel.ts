import { decodeResult, isEncodedResult } from '../../shared/encoded-result.js';
import type { ClientMessage, ServerMessage } from '../../shared/protocol.js';
import { isServerMessage, type ClosableChannel } from './websocket-channel.js';

/**
 * The engine protocol over an Electron MessagePort (structured clone). The port comes from the
 * preload's `window.chromaInspector.connect()`. The engine host posts a result either as it is or
 * as its JSON bytes (shared/encoded-result.ts: the pool's answers, which the host never parses):
 * those are decoded here, on the window's side.
 */
export function createMessagePortChannel(port: InspectorPortLike): ClosableChannel {
  const listeners = new Set<(m: ServerMessage) => void>();
  const closeListeners = new Set<() => void>();
  let closed = false;

  port.onmessage = (event) => {
    const msg = isEncodedResult(event.data) ? decodeResult(event.data) : event.data;
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
