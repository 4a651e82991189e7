import { createEngineClient, type EngineClient } from '../../shared/client.js';
import { InspectorError } from '../../shared/errors.js';
import { createMessagePortChannel } from './message-port-channel.js';
import { createWebSocketChannel, type ClosableChannel } from './websocket-channel.js';
import { electronPort, isElectronHost } from './electron-port.js';

export type Transport = 'electron' | 'websocket';

export interface Connection {
  client: EngineClient;
  transport: Transport;
  /** Called once when the carrier closes (engine gone, server stopped, token refused). */
  onClose(listener: () => void): () => void;
  /** Closes the client and its carrier. */
  close(): void;
}

/**
 * `http://127.0.0.1:8123/` → `ws://127.0.0.1:8123/api`. The server exchanged the printed token for
 * an HttpOnly cookie and took it out of the address, so the socket carries the cookie; a token
 * still in the address (a page served by an older server) is passed on.
 */
export function websocketUrl(location: { origin: string; search: string }): string {
  const token = new URLSearchParams(location.search).get('token');
  const base = `${location.origin.replace(/^http/, 'ws')}/api`;
  return token ? `${base}?token=${encodeURIComponent(token)}` : base;
}

/**
 * Picks the transport at startup: the Electron preload's MessagePort when present, else a
 * WebSocket to the `serve` host this page came from. The rest of the UI only sees EngineClient.
 */
export async function connect(): Promise<Connection> {
  const host = window.chromaInspector;
  let channel: ClosableChannel;
  let transport: Transport;
  if (isElectronHost(host)) {
    channel = createMessagePortChannel(await electronPort(host));
    transport = 'electron';
  } else {
    if (!/^https?:$/.test(window.location.protocol)) {
      throw new Error('No engine to talk to: open this page from `chroma-inspector serve` or the desktop app.');
    }
    channel = createWebSocketChannel(websocketUrl(window.location));
    transport = 'websocket';
  }
  await channel.ready;
  const client = failFastWhenClosed(createEngineClient(channel), channel);
  return {
    client,
    transport,
    onClose: (listener) => channel.onClose?.(listener) ?? (() => undefined),
    close: () => {
      client.close();
      channel.close();
    },
  };
}

/** After the carrier closes, new calls fail at once instead of waiting forever. */
export function failFastWhenClosed(inner: EngineClient, channel: Pick<ClosableChannel, 'onClose'>): EngineClient {
  let closed = false;
  channel.onClose?.(() => {
    closed = true;
  });
  return {
    call: (method, input, options) =>
      closed ? Promise.reject(new InspectorError('INTERNAL', 'Disconnected from the engine: reload to reconnect')) : inner.call(method, input, options),
    close: () => inner.close(),
  };
}
