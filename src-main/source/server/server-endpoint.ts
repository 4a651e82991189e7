import { InspectorError } from '../../../shared/errors.js';

/**
 * Where a Chroma server is and how to talk to it: what the chromadb client's constructor needs
 * (host, port, ssl, headers) plus the tenant and database asked for. `url` is for messages and
 * never carries a secret.
 */
export interface ServerEndpoint {
  url: string;
  host: string;
  port: number;
  ssl: boolean;
  headers: Record<string, string>;
  /** Asked for explicitly (flag, URL query or environment); otherwise the server's identity decides. */
  tenant?: string;
  database?: string;
}

export interface ServerOptions {
  tenant?: string;
  database?: string;
  /** A token, sent as `Authorization: Bearer …` or, with tokenHeader 'x-chroma-token', as `X-Chroma-Token: …`. */
  token?: string;
  tokenHeader?: 'authorization' | 'x-chroma-token';
  basicAuth?: { username: string; password: string };
  /** Chroma Cloud's API key, sent as `X-Chroma-Token` as the official CloudClient does. */
  apiKey?: string;
  headers?: Record<string, string>;
}

/** A source argument that names a server rather than a folder. */
export const isServerUrl = (text: string) => /^https?:\/\//i.test(text);

/**
 * The secrets and scope the CLI (and `serve`) take from the environment, so they never land in
 * shell history or a process list: CHROMA_INSPECTOR_TOKEN (+ CHROMA_INSPECTOR_TOKEN_HEADER =
 * authorization | x-chroma-token), CHROMA_INSPECTOR_BASIC_AUTH=user:pass,
 * CHROMA_INSPECTOR_HEADERS (a JSON object), CHROMA_API_KEY, CHROMA_TENANT, CHROMA_DATABASE.
 */
export function serverOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ServerOptions {
  const options: ServerOptions = {};
  if (env.CHROMA_INSPECTOR_TOKEN) {
    options.token = env.CHROMA_INSPECTOR_TOKEN;
    const header = (env.CHROMA_INSPECTOR_TOKEN_HEADER ?? 'authorization').toLowerCase();
    if (header !== 'authorization' && header !== 'x-chroma-token') {
      throw new InspectorError('INVALID_ARGUMENT', `CHROMA_INSPECTOR_TOKEN_HEADER must be Authorization or X-Chroma-Token, got "${env.CHROMA_INSPECTOR_TOKEN_HEADER}"`);
    }
    options.tokenHeader = header;
  }
  if (env.CHROMA_INSPECTOR_BASIC_AUTH) {
    const text = env.CHROMA_INSPECTOR_BASIC_AUTH;
    const colon = text.indexOf(':');
    if (colon < 0) throw new InspectorError('INVALID_ARGUMENT', 'CHROMA_INSPECTOR_BASIC_AUTH must be user:password');
    options.basicAuth = { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (env.CHROMA_INSPECTOR_HEADERS) options.headers = parseHeaders(env.CHROMA_INSPECTOR_HEADERS);
  if (env.CHROMA_API_KEY) options.apiKey = env.CHROMA_API_KEY;
  if (env.CHROMA_TENANT) options.tenant = env.CHROMA_TENANT;
  if (env.CHROMA_DATABASE) options.database = env.CHROMA_DATABASE;
  return options;
}

const CREDENTIAL_VARS = ['CHROMA_INSPECTOR_TOKEN', 'CHROMA_INSPECTOR_TOKEN_HEADER', 'CHROMA_INSPECTOR_BASIC_AUTH', 'CHROMA_INSPECTOR_HEADERS', 'CHROMA_API_KEY'] as const;

/**
 * The credentials for the target of a copy between two servers: CHROMA_INSPECTOR_TARGET_TOKEN,
 * …_TARGET_TOKEN_HEADER, …_TARGET_BASIC_AUTH, …_TARGET_HEADERS and CHROMA_TARGET_API_KEY, when
 * any is set (then only those: the source's secrets never go to the target); otherwise the
 * plain variables, for a target that takes the same credentials.
 */
export function targetServerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ServerOptions {
  const targetName = (name: string) => name.replace(/^CHROMA_INSPECTOR_/, 'CHROMA_INSPECTOR_TARGET_').replace(/^CHROMA_API_KEY$/, 'CHROMA_TARGET_API_KEY');
  if (!CREDENTIAL_VARS.some((name) => env[targetName(name)])) return serverOptionsFromEnv(env);
  const mapped: NodeJS.ProcessEnv = { CHROMA_TENANT: env.CHROMA_TENANT, CHROMA_DATABASE: env.CHROMA_DATABASE };
  for (const name of CREDENTIAL_VARS) mapped[name] = env[targetName(name)];
  return serverOptionsFromEnv(mapped);
}

function parseHeaders(text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InspectorError('INVALID_ARGUMENT', `CHROMA_INSPECTOR_HEADERS is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new InspectorError('INVALID_ARGUMENT', 'CHROMA_INSPECTOR_HEADERS must be a JSON object of header names to string values');
  }
  return parsed as Record<string, string>;
}

/**
 * The endpoint for `url` (`http(s)://host[:port][?tenant=T&database=D]`). Explicit options win
 * over the URL's query. A URL without a port means the scheme's port (80 or 443), as for any URL.
 */
export function serverEndpoint(url: string, options: ServerOptions = {}): ServerEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InspectorError('INVALID_ARGUMENT', `"${url}" is not a valid server URL (expected http://host:port or https://host)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new InspectorError('INVALID_ARGUMENT', `${url}: only http:// and https:// servers are supported`);
  // The chromadb client builds its base URL from host and port alone: a path prefix would be dropped.
  if (parsed.pathname !== '/' && parsed.pathname !== '') {
    throw new InspectorError('INVALID_ARGUMENT', `${parsed.origin}${parsed.pathname}: the chromadb client cannot reach a server below a path; give the server's root URL`);
  }
  const ssl = parsed.protocol === 'https:';
  const headers = caseInsensitive(options.headers ?? {});
  const setAuth = (name: string, value: string, what: string) => {
    if (headers.has(name)) throw new InspectorError('INVALID_ARGUMENT', `${what} and another setting both set the ${name} header: use one`);
    headers.set(name, value);
  };
  // Credentials in the URL are honoured (as curl does) but never echoed back.
  const basic = options.basicAuth ?? (parsed.username ? { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) } : undefined);
  if (basic) setAuth('Authorization', `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`, 'Basic auth');
  if (options.token) {
    if (options.tokenHeader === 'x-chroma-token') setAuth('X-Chroma-Token', options.token, 'The token');
    else setAuth('Authorization', `Bearer ${options.token}`, 'The token');
  }
  if (options.apiKey) setAuth('X-Chroma-Token', options.apiKey, 'CHROMA_API_KEY');
  const tenant = options.tenant ?? parsed.searchParams.get('tenant') ?? undefined;
  const database = options.database ?? parsed.searchParams.get('database') ?? undefined;
  return {
    url: `${parsed.protocol}//${parsed.host}`,
    // IPv6 hosts keep their brackets: the client pastes host and port into a URL.
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : ssl ? 443 : 80,
    ssl,
    headers: Object.fromEntries(headers.entries()),
    ...(tenant ? { tenant } : {}),
    ...(database ? { database } : {}),
  };
}

/** Header names compare case-insensitively; the first spelling given is kept. */
function caseInsensitive(initial: Record<string, string>) {
  const map = new Map<string, [string, string]>();
  for (const [k, v] of Object.entries(initial)) map.set(k.toLowerCase(), [k, v]);
  return {
    has: (name: string) => map.has(name.toLowerCase()),
    set: (name: string, value: string) => void map.set(name.toLowerCase(), [name, value]),
    entries: () => [...map.values()],
  };
}
