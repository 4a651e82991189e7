import { InspectorError } from '../../../shared/errors.js';

/** An embedding API Chroma's clients call, with the settings Chroma recorded for it. */
export interface ApiFunction {
  runner: 'openai' | 'cohere';
  model: string;
  /** The URL the text and the key are sent to. */
  endpoint: string;
  apiKeyEnvVar: string;
  /** Extra JSON fields Chroma's function sends (OpenAI's `dimensions`). */
  extra: Record<string, unknown>;
  headers: Record<string, string>;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/**
 * The recorded config of Chroma's OpenAI and Cohere functions, read as their `build_from_config`
 * reads it (defaults: OpenAI text-embedding-ada-002 at api.openai.com, key in
 * CHROMA_OPENAI_API_KEY; Cohere `large`, key in CHROMA_COHERE_API_KEY). Null for other names.
 */
export function apiFunction(name: string, config: Record<string, unknown>): ApiFunction | { unsupported: string } | null {
  if (name === 'openai') {
    if (str(config.api_type) === 'azure') return { unsupported: 'Azure OpenAI deployments (api_type "azure") are not supported here; query with a vector' };
    const base = (str(config.api_base) ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
    const headers: Record<string, string> = {};
    if (str(config.organization_id)) headers['OpenAI-Organization'] = str(config.organization_id)!;
    const dimensions = typeof config.dimensions === 'number' ? { dimensions: config.dimensions } : {};
    return {
      runner: 'openai',
      model: str(config.deployment_id) ?? str(config.model_name) ?? 'text-embedding-ada-002',
      endpoint: `${base}/embeddings`,
      apiKeyEnvVar: str(config.api_key_env_var) ?? 'CHROMA_OPENAI_API_KEY',
      extra: dimensions,
      headers,
    };
  }
  if (name === 'cohere') {
    return {
      runner: 'cohere',
      model: str(config.model_name) ?? 'large',
      endpoint: 'https://api.cohere.ai/v1/embed',
      apiKeyEnvVar: str(config.api_key_env_var) ?? 'CHROMA_COHERE_API_KEY',
      extra: {},
      headers: {},
    };
  }
  return null;
}

/** An API answer larger than this is not one embedding. */
const MAX_ANSWER_BYTES = 16 << 20;
const TIMEOUT_MS = 60_000;

/**
 * Embeds one text through the API, as Chroma's function would for `query_texts`: OpenAI's with
 * newlines replaced by spaces, Cohere's with `input_type` "search_document" (what Chroma's
 * function sends for queries too).
 */
export async function embedWithApi(fn: ApiFunction, text: string, apiKey: string, signal: AbortSignal): Promise<number[]> {
  const body =
    fn.runner === 'openai'
      ? { input: [text.replaceAll('\n', ' ')], model: fn.model, ...fn.extra }
      : { texts: [text], model: fn.model, input_type: 'search_document' };
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetch(fn.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, ...fn.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.any([signal, timeout]),
      redirect: 'error',
    });
  } catch (e) {
    if (signal.aborted) throw new InspectorError('CANCELLED', 'The embedding request was cancelled');
    if (timeout.aborted) throw new InspectorError('TIMEOUT', `${fn.endpoint}: no answer within ${TIMEOUT_MS / 1000} s`);
    throw new InspectorError('SERVER_UNREACHABLE', `${fn.endpoint}: cannot reach the embedding API (${(e as Error).message})`);
  }
  const raw = await res.text();
  if (raw.length > MAX_ANSWER_BYTES) throw new InspectorError('EMBEDDING_UNAVAILABLE', `${fn.endpoint}: the answer is too large to be one embedding`);
  if (res.status === 401 || res.status === 403) throw new InspectorError('UNAUTHORIZED', `${fn.endpoint}: the API refused the key (HTTP ${res.status}${apiMessage(raw)})`);
  if (!res.ok) throw new InspectorError('EMBEDDING_UNAVAILABLE', `${fn.endpoint}: HTTP ${res.status}${apiMessage(raw)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InspectorError('EMBEDDING_UNAVAILABLE', `${fn.endpoint}: the answer is not JSON`);
  }
  const vector =
    fn.runner === 'openai'
      ? (parsed as { data?: { embedding?: unknown; index?: number }[] }).data?.find((d) => (d.index ?? 0) === 0)?.embedding
      : pickCohere((parsed as { embeddings?: unknown }).embeddings);
  if (!Array.isArray(vector) || vector.length === 0 || !vector.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new InspectorError('EMBEDDING_UNAVAILABLE', `${fn.endpoint}: the answer holds no embedding of finite numbers`);
  }
  return vector as number[];
}

/** Cohere's v1 answer is `embeddings: [[…]]`, or `{float: [[…]]}` when embedding types were asked for. */
function pickCohere(embeddings: unknown): unknown {
  if (Array.isArray(embeddings)) return embeddings[0];
  if (typeof embeddings === 'object' && embeddings !== null && Array.isArray((embeddings as { float?: unknown }).float)) return (embeddings as { float: unknown[] }).float[0];
  return undefined;
}

function apiMessage(raw: string): string {
  try {
    const j = JSON.parse(raw) as { error?: { message?: unknown } | string; message?: unknown };
    const m = typeof j.error === 'string' ? j.error : typeof j.error?.message === 'string' ? j.error.message : typeof j.message === 'string' ? j.message : null;
    return m ? `: ${m.slice(0, 300)}` : '';
  } catch {
    return '';
  }
}
