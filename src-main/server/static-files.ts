import { createReadStream, lstatSync, realpathSync } from 'node:fs';
import { extname, normalize, relative, resolve, sep } from 'node:path';
import type { ServerResponse } from 'node:http';
import { CONTENT_SECURITY_POLICY } from '../../shared/content-security-policy.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Framing and form posts are refused on top of the page's own policy. */
export const SERVER_CSP = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'; form-action 'none'`;

const SECURITY_HEADERS = {
  'content-security-policy': SERVER_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** `/assets/x.js?v=1` → `assets/x.js`; null when the path is not valid percent-encoding. */
function relativePath(urlPath: string): string | null {
  try {
    return normalize(decodeURIComponent(urlPath.split('?')[0] ?? '/')).replace(/^([/\\])+/, '');
  } catch {
    return null;
  }
}

/**
 * A regular file inside the root, reached without a symbolic link anywhere on the way (a link in
 * the built UI's folder could point anywhere on the disk); null otherwise. Source maps are never
 * served: they would publish the source and the paths it was built from.
 */
function servableFile(root: string, rel: string): string | null {
  if (extname(rel) === '.map') return null;
  const realRoot = realpathSync(root);
  const abs = resolve(realRoot, rel || 'index.html');
  if (abs !== realRoot && !abs.startsWith(realRoot + sep)) return null;
  try {
    if (realpathSync(abs) !== abs) return null;
    const st = lstatSync(abs);
    return st.isFile() ? abs : null;
  } catch {
    return null;
  }
}

/** Serves the built renderer; anything else is a 404, a bad path a 400. Never throws. */
export function serveStatic(root: string, urlPath: string, res: ServerResponse): void {
  const rel = relativePath(urlPath);
  if (rel === null) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request: the path is not valid percent-encoding');
    return;
  }
  let index: string | null;
  try {
    index = servableFile(root, 'index.html');
  } catch {
    index = null;
  }
  if (!index) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end('The UI is not built: run `npm run build`.');
    return;
  }
  // Unknown paths without an extension are the single-page app's own routes.
  const file = servableFile(root, rel) ?? (extname(rel) === '' ? index : null);
  if (!file || relative(realpathSync(root), file).startsWith('..')) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...SECURITY_HEADERS });
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

