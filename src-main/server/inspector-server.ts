import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { createDispatcher } from '../service/dispatcher.js';
import type { EngineService } from '../service/engine-service.js';
import { serveStatic } from './static-files.js';

export interface ServerOptions {
  service: EngineService;
  /** The built renderer (dist-renderer). */
  staticRoot: string;
  host?: string;
  port?: number;
  /** Given for tests; otherwise a random 32-byte token. */
  token?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

function tokenMatches(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function tokenOf(req: IncomingMessage): string | null {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const auth = req.headers.authorization;
  return url.searchParams.get('token') ?? (auth?.startsWith('Bearer ') ? auth.slice(7) : null);
}

/**
 * `serve` mode: the UI over HTTP and the contract over a WebSocket at /api. Loopback by default;
 * every API connection must present the access token printed at start.
 */
export async function startInspectorServer(opts: ServerOptions): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const host = opts.host ?? '127.0.0.1';
  const connect = createDispatcher(opts.service.handlers());
  const http: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/api')) {
      res.writeHead(tokenMatches(tokenOf(req), token) ? 426 : 401, { 'content-type': 'text/plain' }).end(
        tokenMatches(tokenOf(req), token) ? 'use a WebSocket' : 'missing or wrong access token',
      );
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    serveStatic(opts.staticRoot, req.url ?? '/', res);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  http.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/api' || !tokenMatches(tokenOf(req), token)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const session = connect((m) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
      });
      ws.on('message', (data) => {
        try {
          session.receive(JSON.parse(String(data)));
        } catch {
          /* not JSON: ignore */
        }
      });
      ws.on('close', () => session.close());
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, host, () => resolveListen());
  });
  const port = (http.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((done) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        http.close(() => done());
        http.closeAllConnections?.();
      }),
  };
}
