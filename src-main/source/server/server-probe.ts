import { InspectorError } from '../../../shared/errors.js';
import type { ServerEndpoint } from './server-endpoint.js';
import { networkReason, unauthorized } from './server-errors.js';

const PROBE_TIMEOUT_MS = 15_000;

/**
 * Asks the server its version before the chromadb client does anything, with a plain fetch, so
 * that what can go wrong at this step gets a clear answer instead of the client's generic one:
 * nothing listening, bad credentials, or version skew — the 3.x client speaks only the v2 HTTP
 * API (Chroma 0.6 and later); an older server answers 404 there and only knows /api/v1.
 */
export async function probeServerVersion(endpoint: ServerEndpoint): Promise<string> {
  const v2 = await fetchVersion(endpoint, 'v2');
  if (v2.ok) return v2.version;
  if (v2.status === 401 || v2.status === 403) throw unauthorized(endpoint.url, v2.status);
  if (v2.status !== 404) {
    throw new InspectorError('SERVER_UNSUPPORTED', `${endpoint.url} answered ${v2.status} on /api/v2/version: not a Chroma server the chromadb client can use`, {
      server: endpoint.url,
      status: v2.status,
    });
  }
  const v1 = await fetchVersion(endpoint, 'v1').catch(() => null);
  if (v1?.ok) {
    throw new InspectorError(
      'SERVER_UNSUPPORTED',
      `${endpoint.url} runs Chroma ${v1.version}, which speaks only the v1 HTTP API; the chromadb client chroma-inspector uses needs the v2 API ` +
        '(Chroma 0.6 or later). Upgrade the server, or stop it and open its persist directory as a folder.',
      { server: endpoint.url, version: v1.version, api: 'v1' },
    );
  }
  throw new InspectorError('SERVER_UNSUPPORTED', `${endpoint.url} answered 404 on /api/v2/version and /api/v1/version: it does not look like a Chroma server`, {
    server: endpoint.url,
    status: 404,
  });
}

type VersionAnswer = { ok: true; version: string } | { ok: false; status: number };

async function fetchVersion(endpoint: ServerEndpoint, api: 'v1' | 'v2'): Promise<VersionAnswer> {
  let response: Response;
  try {
    response = await fetch(`${endpoint.url}/api/${api}/version`, { headers: endpoint.headers, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  } catch (err) {
    throw new InspectorError('SERVER_UNREACHABLE', `Cannot reach the Chroma server at ${endpoint.url}: ${networkReason(err)}`, { server: endpoint.url });
  }
  if (!response.ok) {
    await response.body?.cancel();
    return { ok: false, status: response.status };
  }
  const text = await response.text();
  try {
    const version: unknown = JSON.parse(text);
    if (typeof version === 'string') return { ok: true, version };
  } catch {
    // fall through: not Chroma's answer
  }
  throw new InspectorError('SERVER_UNSUPPORTED', `${endpoint.url}/api/${api}/version answered ${JSON.stringify(text.slice(0, 80))}, not a Chroma version`, { server: endpoint.url });
}
