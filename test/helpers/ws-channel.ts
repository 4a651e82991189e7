import WebSocket from 'ws';
import type { ClientMessage, MessageChannelLike, ServerMessage } from '../../shared/protocol.js';

/** A Node WebSocket as a protocol channel (the browser UI has its own adapter). */
export async function connectWebSocket(url: string): Promise<MessageChannelLike<ClientMessage, ServerMessage> & { close(): void }> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  return {
    send: (m) => ws.send(JSON.stringify(m)),
    onMessage: (l) => {
      const h = (data: WebSocket.RawData) => l(JSON.parse(String(data)) as ServerMessage);
      ws.on('message', h);
      return () => ws.off('message', h);
    },
    onClose: (l) => {
      ws.on('close', l);
      return () => ws.off('close', l);
    },
    close: () => ws.close(),
  };
}
