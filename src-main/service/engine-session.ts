import type { SessionMessage } from './encoded-result.js';

/** One client's conversation with the engine: raw protocol messages in, ServerMessages out. */
export interface EngineSession {
  receive(raw: unknown): void;
  /** The client went away: its running calls are cancelled. */
  close(): void;
}

/** A session factory whose carrier is handed messages of type M. */
export type ConnectSessionOf<M> = (send: (m: M) => void) => EngineSession;

/**
 * What a transport needs from the engine: `createDispatcher(handlers)` (in-process) and the worker
 * pool both are one, so a host picks where the engine runs without changing the transport. The
 * pool may hand its carrier results already encoded (encoded-result.ts), which serve sends as
 * frames and the Electron hosts post to the window, whose channel decodes them.
 */
export type ConnectSession = ConnectSessionOf<SessionMessage>;
