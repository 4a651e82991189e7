/**
 * Recently opened Chroma servers, most recent first, kept in localStorage beside the recent
 * folders. Never a secret: only where the server is and which kind of auth it wants, so the open
 * screen can ask for (browser) or fetch (Electron safeStorage) the secret again.
 */
const KEY = 'chroma-inspector.recent-servers';
export const MAX_RECENT_SERVERS = 10;

/** How the open screen's auth choice maps onto the contract's credentials (server-auth.ts). */
export const AUTH_KINDS = ['none', 'bearer', 'x-chroma-token', 'basic', 'api-key', 'headers'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

export interface RecentServer {
  url: string;
  tenant?: string;
  database?: string;
  auth: AuthKind;
}

/**
 * `localhost:8000/` → `http://localhost:8000`: a scheme when none was typed (Chroma's own default
 * is plain http), no trailing slash, so one server has one spelling in the list and the key. A
 * `user:password@` part is dropped: nothing kept in plain storage may carry a password (the open
 * screen turns it into basic auth first, see server-auth.ts).
 */
export function normalizeServerUrl(url: string): string {
  const t = url.trim();
  if (!t) return '';
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(t) ? t : `http://${t}`;
  return withScheme.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1').replace(/\/+$/, '');
}

/** One server+tenant+database: the recent list's identity and the secret store's key. */
export function serverKey(s: { url: string; tenant?: string | undefined; database?: string | undefined }): string {
  return [normalizeServerUrl(s.url), s.tenant?.trim() ?? '', s.database?.trim() ?? ''].join('|');
}

/** A short label: `host:port · tenant/database` (default tenant and database left out). */
export function serverLabel(s: RecentServer): string {
  const where = [s.tenant, s.database].filter((x): x is string => Boolean(x)).join('/');
  return where ? `${s.url} · ${where}` : s.url;
}

function clean(s: RecentServer): RecentServer {
  const out: RecentServer = { url: normalizeServerUrl(s.url), auth: s.auth };
  if (s.tenant?.trim()) out.tenant = s.tenant.trim();
  if (s.database?.trim()) out.database = s.database.trim();
  return out;
}

export function addRecentServer(list: readonly RecentServer[], server: RecentServer, max = MAX_RECENT_SERVERS): RecentServer[] {
  const s = clean(server);
  if (!s.url) return [...list];
  const key = serverKey(s);
  return [s, ...list.filter((x) => serverKey(x) !== key)].slice(0, max);
}

export function removeRecentServer(list: readonly RecentServer[], key: string): RecentServer[] {
  return list.filter((x) => serverKey(x) !== key);
}

const optionalString = (v: unknown) => v === undefined || (typeof v === 'string' && v.length > 0);

/** What storage holds, keeping only well-formed entries and never anything beyond the four fields. */
export function parseRecentServers(raw: string | null): RecentServer[] {
  if (!raw) return [];
  try {
    const v: unknown = JSON.parse(raw);
    if (!Array.isArray(v)) return [];
    return v
      .filter((x): x is RecentServer => {
        if (typeof x !== 'object' || x === null) return false;
        const r = x as Record<string, unknown>;
        return typeof r.url === 'string' && r.url.length > 0 && optionalString(r.tenant) && optionalString(r.database) && AUTH_KINDS.includes(r.auth as AuthKind);
      })
      .map(clean)
      .slice(0, MAX_RECENT_SERVERS);
  } catch {
    return [];
  }
}

export function loadRecentServers(): RecentServer[] {
  try {
    return parseRecentServers(localStorage.getItem(KEY));
  } catch {
    return [];
  }
}

export function saveRecentServers(list: readonly RecentServer[]): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(list.map(clean)));
  } catch {
    // storage disabled: recents are a convenience only
  }
}
