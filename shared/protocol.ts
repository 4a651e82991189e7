import type { ErrorData } from './errors.js';

/**
 * The wire messages every transport carries (WebSocket, Electron MessagePort, in-memory).
 * Cancellation and progress are part of the protocol, not of any one transport.
 */
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
