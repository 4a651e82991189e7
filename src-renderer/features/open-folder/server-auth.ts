import type { ServerCredentials } from '../../../shared/contract.js';
import { normalizeServerUrl, type AuthKind } from '../../app/recent-servers.js';

/** The auth part of the open screen's server form, as typed. */
export interface AuthForm {
  kind: AuthKind;
  token: string;
  username: string;
  password: string;
  apiKey: string;
  /** Custom headers as a JSON object of strings. */
  headersJson: string;
}

export const emptyAuthForm = (kind: AuthKind = 'none'): AuthForm => ({ kind, token: '', username: '', password: '', apiKey: '', headersJson: '' });

export const AUTH_LABELS: Record<AuthKind, string> = {
  none: 'None',
  bearer: 'Token (Authorization: Bearer)',
  'x-chroma-token': 'Token (X-Chroma-Token)',
  basic: 'Basic (user and password)',
  'api-key': 'Chroma Cloud API key',
  headers: 'Custom headers (JSON)',
};

export type CredentialsResult = { ok: true; credentials: ServerCredentials | undefined } | { ok: false; error: string };

/**
 * The form → the contract's `credentials` (undefined for no auth). Refuses, with a sentence for
 * the form, what the engine would refuse or what would silently send nothing.
 */
export function credentialsFromForm(form: AuthForm): CredentialsResult {
  switch (form.kind) {
    case 'none':
      return { ok: true, credentials: undefined };
    case 'bearer':
    case 'x-chroma-token': {
      const token = form.token.trim();
      if (!token) return { ok: false, error: 'Type the token' };
      return { ok: true, credentials: { token, tokenHeader: form.kind === 'bearer' ? 'authorization' : 'x-chroma-token' } };
    }
    case 'basic':
      // The password is taken as typed: spaces may be part of it.
      if (!form.username.trim()) return { ok: false, error: 'Type the user name' };
      return { ok: true, credentials: { basicAuth: { username: form.username.trim(), password: form.password } } };
    case 'api-key': {
      const apiKey = form.apiKey.trim();
      if (!apiKey) return { ok: false, error: 'Type the API key' };
      return { ok: true, credentials: { apiKey } };
    }
    case 'headers':
      return parseHeaders(form.headersJson);
  }
}

function parseHeaders(text: string): CredentialsResult {
  if (!text.trim()) return { ok: false, error: 'Type the headers as a JSON object, e.g. {"X-Api-Key": "…"}' };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, error: 'The headers are not valid JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'The headers must be a JSON object of names to values' };
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return { ok: false, error: 'Give at least one header' };
  const headers: Record<string, string> = {};
  for (const [name, value] of entries) {
    // RFC 9110 token characters: anything else would be refused by fetch at open time, far from the form.
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return { ok: false, error: `"${name}" is not a valid header name` };
    if (typeof value !== 'string') return { ok: false, error: `The value of ${name} must be a string` };
    headers[name] = value;
  }
  return { ok: true, credentials: { headers } };
}

/**
 * `http://user:pass@host:8000` → the URL without them and the basic auth they stand for: the
 * URL is kept in the recent list, the password must not be. Null when the URL has no user part.
 */
export function userinfoOf(url: string): { url: string; basicAuth: { username: string; password: string } } | null {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)?([^/?#@]*)@/i.exec(url.trim());
  if (!m) return null;
  const [user = '', ...rest] = (m[2] ?? '').split(':');
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return { url: normalizeServerUrl(url), basicAuth: { username: decode(user), password: decode(rest.join(':')) } };
}

/**
 * The whole auth of the form: the chosen kind's credentials, or the URL's own `user:pass@` as
 * basic auth (when the kind is None; both at once would send two Authorization headers).
 */
export function serverAuthFromForm(url: string, form: AuthForm): { ok: true; url: string; kind: AuthKind; credentials: ServerCredentials | undefined } | { ok: false; error: string } {
  const inUrl = userinfoOf(url);
  if (inUrl) {
    if (form.kind !== 'none') return { ok: false, error: 'The URL carries a user and password: remove them from the URL, or choose None as the auth' };
    if (!inUrl.basicAuth.username) return { ok: false, error: 'The URL has an @ but no user name before it' };
    return { ok: true, url: inUrl.url, kind: 'basic', credentials: { basicAuth: inUrl.basicAuth } };
  }
  const c = credentialsFromForm(form);
  return c.ok ? { ok: true, url: normalizeServerUrl(url), kind: form.kind, credentials: c.credentials } : c;
}

/**
 * A kept secret (the desktop app's safeStorage) back into the form, for the recent server's kind
 * of auth: the reverse of credentialsFromForm, so a form can start from a server opened before.
 */
export function authFormFromCredentials(kind: AuthKind, c: ServerCredentials | null): AuthForm {
  const form = emptyAuthForm(kind);
  if (!c) return form;
  return {
    ...form,
    token: c.token ?? '',
    username: c.basicAuth?.username ?? '',
    password: c.basicAuth?.password ?? '',
    apiKey: c.apiKey ?? '',
    headersJson: c.headers ? JSON.stringify(c.headers) : '',
  };
}
