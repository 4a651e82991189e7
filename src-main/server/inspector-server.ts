import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_CLIENT_MESSAGE_BYTES } from '../../shared/protocol.js';
import { createDispatcher } from '../service/dispatcher.js';
import { isEncodedResult } from '../../shared/encoded-result.js';
import { encodedMessagePieces } from '../service/encoded-result.js';
import type { EngineService } from '../service/engine-service.js';
import type { ConnectSession } from '../service/engine-session.js';
import { createRequestGuard, type RequestGuard } from './request-guard.js';
import { presentedTokens, sessionCookieHeader, withoutToken } from './session-cookie.js';
import { serveStatic } from './static-files.js';

/**
 * Where calls run: `connect`, a session factory (serve passes the worker pool's), or `service`,
 * whose handlers then run in-process on this thread (tests, the e2e harness).
 */
export type EngineChoice = { connect: ConnectSession; service?: undefined } | { service: EngineService; connect?: undefined };

export type ServerOptions = EngineChoice & ServerSettings;

export interface ServerSettings {
  /** The built renderer (dist-renderer). */
  staticRoot: string;
  host?: string;
  port?: number;
  /** Given for tests; otherwise a random 32-byte token. */
  token?: string;
  /** Largest WebSocket message accepted (default MAX_CLIENT_MESSAGE_BYTES); a larger one closes that connection (1009), nothing else. */
  maxMessageBytes?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

function tokenMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** From `fragmentFromBytes` of JSON, an encoded answer's value is sent as fragments of one message rather than copied into one frame (tests lower it). */
export const serverTuning = { fragmentFromBytes: 1024 * 1024 };

const refuseSocket = (socket: Duplex, status: string) => {
  socket.on('error', () => undefined);
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
};

/**
 * `serve` mode: the UI over HTTP and the contract over a WebSocket at /api. Loopback by default.
 * Every request must name this server in its Host; a browser's WebSocket must come from the page's
 * own origin; the API needs the access token (printed at start, then kept in an HttpOnly cookie).
 * Nothing a client sends — a malformed URL, a bad frame, garbage JSON, an oversized message —
 * ends the process: each is answered or that one connection is closed.
 */
export async function startInspectorServer(opts: ServerOptions): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const host = opts.host ?? '127.0.0.1';
  const connect: ConnectSession = opts.connect ?? createDispatcher(opts.service.handlers());
  let guard: RequestGuard | null = null;
  let port = 0;
  const authorised = (req: IncomingMessage) => presentedTokens(req, port).some((t) => tokenMatches(t, token));

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    if (!guard?.hostAllowed(req)) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('this server does not answer to that Host');
      return;
    }
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    if (path.startsWith('/api')) {
      const ok = authorised(req);
      res.writeHead(ok ? 426 : 401, { 'content-type': 'text/plain' }).end(ok ? 'use a WebSocket' : 'missing or wrong access token');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (new URL(url, 'http://localhost').searchParams.has('token')) {
      // Exchange the printed token for a cookie and take it out of the address bar.
      if (!authorised(req)) {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('wrong access token: open the exact address `serve` printed');
        return;
      }
      res.writeHead(303, { location: withoutToken(url), 'set-cookie': sessionCookieHeader(port, token), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end();
      return;
    }
    serveStatic(opts.staticRoot, url, res);
  };

  const http: Server = createServer((req, res) => {
    try {
      onRequest(req, res);
    } catch {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    }
  });
  http.on('clientError', (_err, socket) => refuseSocket(socket, '400 Bad Request'));

  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxMessageBytes ?? MAX_CLIENT_MESSAGE_BYTES });
  http.on('upgrade', (req, socket, head) => {
    socket.on('error', () => undefined);
    const path = (req.url ?? '/').split('?')[0];
    if (!guard?.hostAllowed(req) || !guard.originAllowed(req)) return refuseSocket(socket, '403 Forbidden');
    if (path !== '/api' || !authorised(req)) return refuseSocket(socket, '401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const session = connect((m) => {
        if (ws.readyState !== ws.OPEN) return;
        if (!isEncodedResult(m)) return ws.send(JSON.stringify(m));
        // Encoded by the engine worker. A large answer goes as one text message in three fragments,
        // its value's bytes as they came; a small one in one frame (three writes cost a page of the
        // records grid ~2 ms more than the copy).
        const [head, value, tail] = encodedMessagePieces(m);
        if (value.length < serverTuning.fragmentFromBytes) return ws.send(Buffer.concat([head, value, tail]), { binary: false });
        ws.send(head, { binary: false, fin: false });
        ws.send(value, { binary: false, fin: false });
        ws.send(tail, { binary: false, fin: true });
      });
      // A protocol error (reserved opcode, oversized frame, bad UTF-8) closes this connection only.
      ws.on('error', () => ws.terminate());
      ws.on('message', (data) => {
        let message: unknown;
        try {
          message = JSON.parse(String(data));
        } catch {
          return; // not JSON: there is no call id to answer
        }
        session.receive(message);
      });
      ws.on('close', () => session.close());
    });
  });

  await new Promise<void>((resolveListen, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, host, () => resolveListen());
  });
  port = (http.address() as AddressInfo).port;
  guard = createRequestGuard(host, port);
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
