import { InspectorError } from '../../../shared/errors.js';
import type { Metadata } from '../../../shared/models.js';
import type { ServerEndpoint } from './server-endpoint.js';
import { networkReason, unauthorized } from './server-errors.js';

/**
 * How long one request may wait for an answer (a batch of thousands of records included):
 * 120 s, or CHROMA_INSPECTOR_REQUEST_TIMEOUT seconds.
 */
export function requestTimeoutMs(): number {
  const seconds = Number(process.env.CHROMA_INSPECTOR_REQUEST_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 120_000;
}

/**
 * A collection as the v2 REST API describes it. The chromadb client's Collection leaves out the
 * dimension (set by the first add), which the inspector shows, so listing reads the API directly.
 */
export interface RestCollection {
  id: string;
  name: string;
  tenant: string;
  database: string;
  dimension: number | null;
  metadata: Metadata | null;
  configuration_json: unknown;
  schema?: unknown;
}

/**
 * One request to the server with the endpoint's headers; returns the answer's text. Network
 * failures, 401/403 and error statuses become InspectorErrors carrying Chroma's own message.
 * A request gives up when the signal aborts or after requestTimeoutMs() without an answer.
 */
export async function serverRequest(endpoint: ServerEndpoint, method: 'GET' | 'POST' | 'DELETE', path: string, opts: { body?: string; signal?: AbortSignal } = {}): Promise<string> {
  const url = endpoint.url;
  const limitMs = requestTimeoutMs();
  const timeout = AbortSignal.timeout(limitMs);
  let response: Response;
  try {
    response = await fetch(`${url}${path}`, {
      method,
      headers: opts.body === undefined ? endpoint.headers : { ...endpoint.headers, 'content-type': 'application/json' },
      ...(opts.body === undefined ? {} : { body: opts.body }),
      signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout,
    });
  } catch (err) {
    if (opts.signal?.aborted) throw new InspectorError('CANCELLED', 'Cancelled', { reason: 'cancelled' });
    if (timeout.aborted) {
      throw new InspectorError('SERVER_UNREACHABLE', `The Chroma server at ${url} sent no answer to ${method} ${path} in ${limitMs / 1000} s`, { server: url, path });
    }
    throw new InspectorError('SERVER_UNREACHABLE', `Cannot reach the Chroma server at ${url}: ${networkReason(err)}`, { server: url });
  }
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw unauthorized(url, response.status);
  }
  const text = await response.text();
  if (!response.ok) {
    const message = chromaMessage(text) ?? `${response.status} ${response.statusText}`;
    const code = response.status === 404 ? 'NOT_FOUND' : response.status < 500 ? 'INVALID_ARGUMENT' : 'INTERNAL';
    throw new InspectorError(code, message, { server: url, status: response.status, path, ...(response.status === 409 ? { conflict: true } : {}) });
  }
  return text;
}

/** GET a v2 API path as plain JSON. */
export async function restJson<T>(endpoint: ServerEndpoint, path: string): Promise<T> {
  return JSON.parse(await serverRequest(endpoint, 'GET', path)) as T;
}

const seg = encodeURIComponent;

/** Every collection of one database, a page of `page` at a time. */
export async function listRestCollections(endpoint: ServerEndpoint, tenant: string, database: string, page = 100): Promise<RestCollection[]> {
  const all: RestCollection[] = [];
  for (;;) {
    const batch = await restJson<RestCollection[]>(endpoint, `/api/v2/tenants/${seg(tenant)}/databases/${seg(database)}/collections?limit=${page}&offset=${all.length}`);
    all.push(...batch);
    if (batch.length < page) return all;
  }
}

/** The most records one add/upsert may carry, from the server's pre-flight answer (null if it has none). */
export async function maxBatchSize(endpoint: ServerEndpoint): Promise<number | null> {
  try {
    const answer = await restJson<{ max_batch_size?: unknown }>(endpoint, '/api/v2/pre-flight-checks');
    return typeof answer.max_batch_size === 'number' ? answer.max_batch_size : null;
  } catch {
    return null;
  }
}

function chromaMessage(text: string): string | null {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    if (typeof body.message === 'string' && body.message) return body.message;
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON
  }
  return text.trim() ? text.trim().slice(0, 300) : null;
}
