import type { ServerMessage } from '../../shared/protocol.js';

/** One client's conversation with the engine: raw protocol messages in, ServerMessages out. */
export interface EngineSession {
  receive(raw: unknown): void;
  /** The client went away: its running calls are cancelled. */
  close(): void;
}

/**
 * What a transport needs from the engine: `createDispatcher(handlers)` (in-process) and the worker
 * pool both are one, so a host picks where the engine runs without changing the transport.
 */
export type ConnectSession = (send: (m: ServerMessage) => void) => EngineSession;
