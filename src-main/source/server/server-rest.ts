import { InspectorError } from '../../../shared/errors.js';
import type { Metadata } from '../../../shared/models.js';
import type { ServerEndpoint } from './server-endpoint.js';
import { networkReason, unauthorized } from './server-errors.js';

const REST_TIMEOUT_MS = 60_000;

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

/** GET a v2 API path as JSON, with the endpoint's headers; HTTP failures become InspectorErrors. */
export async function restJson<T>(endpoint: ServerEndpoint, path: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${endpoint.url}${path}`, { headers: endpoint.headers, signal: AbortSignal.timeout(REST_TIMEOUT_MS) });
  } catch (err) {
    throw new InspectorError('SERVER_UNREACHABLE', `Cannot reach the Chroma server at ${endpoint.url}: ${networkReason(err)}`, { server: endpoint.url });
  }
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw unauthorized(endpoint.url, response.status);
  }
  const text = await response.text();
  if (!response.ok) {
    const message = chromaMessage(text) ?? `${response.status} ${response.statusText}`;
    throw new InspectorError(response.status === 404 ? 'NOT_FOUND' : response.status < 500 ? 'INVALID_ARGUMENT' : 'INTERNAL', `${endpoint.url}${path}: ${message}`, {
      server: endpoint.url,
      status: response.status,
    });
  }
  return JSON.parse(text) as T;
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
    if (typeof body.message === 'string') return body.message;
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON
  }
  return text.trim() ? text.trim().slice(0, 200) : null;
}
