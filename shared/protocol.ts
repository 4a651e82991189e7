import type { ErrorData } from './errors.js';

/**
 * The wire messages every transport carries (WebSocket, Electron MessagePort, in-memory).
 * Cancellation and progress are part of the protocol, not of any one transport.
 */
/**
 * The largest message a client may send to `serve` (UTF-8 bytes). The server parses each message
 * on the one thread every client shares: 8 MB of JSON numbers is ~50 ms there, 64 MB was ~0.5 s,
 * repeatable by any client. The UI's largest calls (a map's 100,000 point ids, a 65,536-dimension
 * vector, a long document) are a few MB at most.
 */
export const MAX_CLIENT_MESSAGE_BYTES = 8 * 1024 * 1024;

export type ClientMessage =
  | { type: 'call'; id: number; method: string; input: unknown }
  | { type: 'cancel'; id: number };

export type ServerMessage =
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: ErrorData }
  | { type: 'progress'; id: number; done: number; total: number | null; message?: string };

export interface Progress {
  done: number;
  total: number | null;
  message?: string;
}

/** A duplex message channel; each transport adapts its carrier to this. */
export interface MessageChannelLike<Out, In> {
  send(message: Out): void;
  onMessage(listener: (message: In) => void): () => void;
  /** Called when the carrier closes; pending calls fail. */
  onClose?(listener: () => void): () => void;
}

export function isClientMessage(value: unknown): value is ClientMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { type?: unknown; id?: unknown; method?: unknown };
  if (typeof m.id !== 'number') return false;
  return (m.type === 'call' && typeof m.method === 'string') || m.type === 'cancel';
}
