import { MAX_CLIENT_MESSAGE_BYTES, type ClientMessage, type MessageChannelLike, type ServerMessage } from '../../shared/protocol.js';

export interface ClosableChannel extends MessageChannelLike<ClientMessage, ServerMessage> {
  /** Resolves once the carrier is open; rejects if it closes first. */
  ready: Promise<void>;
  close(): void;
}

/** Minimal WebSocket surface used here, so tests can pass a fake. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

const OPEN = 1;

/**
 * The engine protocol over a WebSocket carrying one JSON message per frame. No reconnect: when
 * the socket closes, every listener hears it once and the UI shows "disconnected".
 */
export function createWebSocketChannel(url: string, create: (url: string) => WebSocketLike = (u) => new WebSocket(u)): ClosableChannel {
  const socket = create(url);
  const listeners = new Set<(m: ServerMessage) => void>();
  const closeListeners = new Set<() => void>();
  const queue: string[] = [];
  let closed = false;

  const ready = new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => {
      for (const frame of queue.splice(0)) socket.send(frame);
      resolve();
    });
    socket.addEventListener('close', () => reject(new Error(`Could not connect to ${redactToken(url)}`)));
  });
  ready.catch(() => undefined);

  socket.addEventListener('message', (event) => {
    if (typeof event.data !== 'string') return;
    let msg: unknown;
    try {
      msg = JSON.parse(event.data);
    } catch {
      return;
    }
    if (!isServerMessage(msg)) return;
    for (const l of [...listeners]) l(msg);
  });
  const fireClose = () => {
    if (closed) return;
    closed = true;
    for (const l of [...closeListeners]) l();
  };
  socket.addEventListener('close', fireClose);
  const answerLocally = (id: number, bytes: number) => {
    const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;
    const error = { code: 'INVALID_ARGUMENT' as const, message: `This call is ${mb(bytes)} as JSON; the server accepts messages up to ${mb(MAX_CLIENT_MESSAGE_BYTES)}` };
    // After the caller has registered for its answer, as a server's would come.
    queueMicrotask(() => {
      for (const l of [...listeners]) l({ type: 'result', id, ok: false, error });
    });
  };
  socket.addEventListener('error', () => undefined);

  return {
    ready,
    send(message) {
      if (closed) return;
      const frame = JSON.stringify(message);
      // The server would close the whole connection (1009) for it: this call alone fails, and says why.
      const bytes = frame.length * 3 > MAX_CLIENT_MESSAGE_BYTES ? new TextEncoder().encode(frame).length : frame.length;
      if (bytes > MAX_CLIENT_MESSAGE_BYTES) {
        if (message.type === 'call') answerLocally(message.id, bytes);
        return;
      }
      if (socket.readyState === OPEN) socket.send(frame);
      else queue.push(frame);
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
      socket.close();
      fireClose();
    },
  };
}

export function isServerMessage(value: unknown): value is ServerMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { type?: unknown; id?: unknown };
  return typeof m.id === 'number' && (m.type === 'result' || m.type === 'progress');
}

/** Never show the session token in the UI or logs. */
export function redactToken(url: string): string {
  return url.replace(/([?&]token=)[^&]*/, '$1…');
}
