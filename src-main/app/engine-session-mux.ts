// A Node child has one IPC channel, not a MessagePort per window: main multiplexes the windows'
// engine sessions over it with these messages, and the child serves each session with the same
// dispatcher the utility process and the WebSocket server use.
import type { EncodedResult } from '../../shared/encoded-result.js';
import type { ServerMessage } from '../../shared/protocol.js';

export type SessionMessage =
  | { type: 'session-open'; session: number }
  | { type: 'session-message'; session: number; data: unknown }
  | { type: 'session-close'; session: number };

export function isSessionMessage(value: unknown): value is SessionMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { type?: unknown; session?: unknown };
  return typeof m.session === 'number' && (m.type === 'session-open' || m.type === 'session-message' || m.type === 'session-close');
}

/**
 * The dispatcher's or the pool's shape (src-main/service/engine-session.ts), kept structural so
 * this file stays light: what it sends (a ServerMessage, or a result as its JSON bytes) is relayed
 * as it is, the channel's advanced serialization carrying the bytes.
 */
export type Connect = (send: (message: ServerMessage | EncodedResult) => void) => { receive(raw: unknown): void; close(): void };

export interface ChildLink {
  send(message: SessionMessage): void;
  onMessage(listener: (message: unknown) => void): void;
}

/** The child's side: one dispatcher session per `session-open`, replies tagged with the session. */
export function serveEngineSessions(link: ChildLink, connect: Connect): { closeAll(): void } {
  const sessions = new Map<number, ReturnType<Connect>>();
  link.onMessage((raw) => {
    if (!isSessionMessage(raw)) return;
    const { session } = raw;
    if (raw.type === 'session-open') {
      if (sessions.has(session)) return;
      sessions.set(
        session,
        connect((data) => {
          if (sessions.has(session)) link.send({ type: 'session-message', session, data });
        }),
      );
    } else if (raw.type === 'session-message') {
      sessions.get(session)?.receive(raw.data);
    } else {
      sessions.get(session)?.close();
      sessions.delete(session);
    }
  });
  return {
    closeAll() {
      for (const s of sessions.values()) s.close();
      sessions.clear();
    },
  };
}
