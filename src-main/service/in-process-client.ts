import { createEngineClient, type EngineClient } from '../../shared/client.js';
import type { ClientMessage, ServerMessage } from '../../shared/protocol.js';
import { createDispatcher } from './dispatcher.js';
import type { EngineService } from './engine-service.js';

/**
 * The contract without a wire: messages go through structuredClone, so whatever is not
 * serialisable fails here exactly as it would over IPC or a WebSocket.
 */
export function createInProcessClient(service: EngineService): EngineClient {
  const listeners = new Set<(m: ServerMessage) => void>();
  const session = createDispatcher(service.handlers())((m) => {
    const copy = structuredClone(m);
    queueMicrotask(() => listeners.forEach((l) => l(copy)));
  });
  return createEngineClient({
    send: (m: ClientMessage) => {
      const copy = structuredClone(m);
      queueMicrotask(() => session.receive(copy));
    },
    onMessage: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  });
}
