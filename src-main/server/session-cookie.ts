import type { IncomingMessage } from 'node:http';

/**
 * The access token travels once, in the URL `serve` prints. The first page load with it gets the
 * token back as an HttpOnly, SameSite=Strict cookie and is redirected to the same address without
 * it, so the token leaves the address bar and the history, page scripts never see it, and other
 * sites cannot make a browser send it. Cookies are shared by every port of a host, so the name
 * carries the port.
 */
export const sessionCookieName = (port: number) => `chroma_inspector_${port}`;

export function sessionCookieHeader(port: number, token: string): string {
  return `${sessionCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/** The token a request presents: the session cookie, `?token=`, or `Authorization: Bearer`. */
export function presentedTokens(req: IncomingMessage, port: number): string[] {
  const found: string[] = [];
  const url = new URL(req.url ?? '/', 'http://localhost');
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) found.push(fromQuery);
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) found.push(auth.slice(7));
  const name = sessionCookieName(port);
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) found.push(v.join('='));
  }
  return found;
}

/** The address without its `token` parameter (where the cookie exchange redirects to). */
export function withoutToken(reqUrl: string): string {
  const url = new URL(reqUrl, 'http://localhost');
  url.searchParams.delete('token');
  return `${url.pathname}${url.search}`;
}
