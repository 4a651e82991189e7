import { InspectorError } from '../../shared/errors.js';

/**
 * Which Chroma servers a host lets its clients open. The desktop app allows any (its user types
 * the URL); `serve` allows any while it listens on loopback only, and beyond that only the servers
 * named on its command line, so a remote client cannot make the host reach arbitrary addresses.
 * The environment's credentials go only to the servers named on the command line.
 */
export interface ServerPolicy {
  /** The server the host was started with: what defaultFolder answers. */
  defaultServer: { url: string; tenant?: string; database?: string } | null;
  /** Origins (scheme://host:port) clients may open; null: any. */
  allowed: readonly string[] | null;
  /** Origins that get the environment's credentials when an open call brings none. */
  envCredentialsFor: readonly string[];
}

export const ANY_SERVER: ServerPolicy = { defaultServer: null, allowed: null, envCredentialsFor: [] };

/** A URL's origin with the scheme's default port spelt out, so `http://h` and `http://h:80` compare equal. */
export function originOf(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InspectorError('INVALID_ARGUMENT', `"${url}" is not a valid server URL (expected http://host:port or https://host)`);
  }
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return `${u.protocol}//${u.hostname.toLowerCase()}:${port}`;
}

export function checkServerAllowed(policy: ServerPolicy, url: string): void {
  if (policy.allowed === null) return;
  const origin = originOf(url);
  if (!policy.allowed.some((a) => originOf(a) === origin)) {
    throw new InspectorError('INVALID_ARGUMENT', `This host may only open the Chroma servers it was started with (${policy.allowed.map(originOf).join(', ') || 'none'}): start serve with --server ${origin} to allow it`, {
      server: origin,
    });
  }
}

export const getsEnvCredentials = (policy: ServerPolicy, url: string): boolean => policy.envCredentialsFor.some((a) => originOf(a) === originOf(url));

export function isServerPolicy(value: unknown): value is ServerPolicy {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Partial<ServerPolicy>;
  const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  const d = p.defaultServer as { url?: unknown } | null | undefined;
  return (d === null || (typeof d === 'object' && typeof d?.url === 'string')) && (p.allowed === null || strings(p.allowed)) && strings(p.envCredentialsFor);
}
