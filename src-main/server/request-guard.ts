import type { IncomingMessage } from 'node:http';

/**
 * Which Host and Origin a request to `serve` may carry. A page on another site can make a browser
 * send requests to a loopback port (an <img>, a WebSocket, DNS rebinding); checking that the Host
 * names this server and that a browser's Origin is this page's own closes those doors before the
 * token is even looked at.
 */
export interface RequestGuard {
  /** The Host header names this server (a loopback name, or the --host it was started with). */
  hostAllowed(req: IncomingMessage): boolean;
  /** No Origin (a non-browser client), or the page's own origin. */
  originAllowed(req: IncomingMessage): boolean;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** `::1` → `[::1]`: Host headers bracket IPv6 literals. */
const asHostName = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host).toLowerCase();

export function createRequestGuard(listenHost: string, port: number): RequestGuard {
  const names = new Set([...LOOPBACK_NAMES, asHostName(listenHost)]);
  const hosts = new Set([...names].map((n) => `${n}:${port}`));
  const origins = new Set([...hosts].map((h) => `http://${h}`));
  return {
    hostAllowed: (req) => hosts.has(String(req.headers.host ?? '').toLowerCase()),
    originAllowed: (req) => {
      const origin = req.headers.origin;
      return origin === undefined || origins.has(origin.toLowerCase());
    },
  };
}

/** True for the names `serve` treats as this machine only. */
export function isLoopbackHost(host: string): boolean {
  return ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host.toLowerCase());
}
