import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Test doubles in front of (or instead of) a Chroma server, on loopback. */

export interface Listening {
  url: string;
  close(): Promise<void>;
}

function listen(server: Server): Promise<Listening> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * Forwards every request to `target` unchanged and records the headers it saw. `gate` may answer
 * instead (e.g. 401 without a token), to play a server that checks credentials.
 */
export async function recordingProxy(target: string, gate?: (headers: IncomingHttpHeaders) => number | null): Promise<Listening & { seen: { path: string; headers: IncomingHttpHeaders }[] }> {
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  const to = new URL(target);
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const refuse = gate?.(req.headers) ?? null;
    if (refuse !== null) {
      res.writeHead(refuse, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'AuthError', message: 'refused by the test proxy' }));
      return;
    }
    const upstream = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  return { ...(await listen(server)), seen };
}

/** A server that answers only the paths in `routes` (JSON bodies), 404 elsewhere. */
export function fakeServer(routes: Record<string, unknown>): Promise<Listening> {
  return listen(
    createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0]!;
      if (path in routes) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(routes[path]));
      else res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: 'Not Found' }));
    }),
  );
}
