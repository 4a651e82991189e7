import { describe, expect, it } from 'vitest';
import {
  MAX_RECENT_SERVERS,
  addRecentServer,
  normalizeServerUrl,
  parseRecentServers,
  removeRecentServer,
  serverKey,
  serverLabel,
  type RecentServer,
} from '../../src-renderer/app/recent-servers.js';
import { SERVER_VIEW_REASONS, sourceCapabilities, viewUnavailable } from '../../src-renderer/app/source-capabilities.js';
import { VIEWS } from '../../src-renderer/app/views.js';
import { credentialsFromForm, emptyAuthForm, serverAuthFromForm, userinfoOf, type AuthForm } from '../../src-renderer/features/open-folder/server-auth.js';
import { ServerCredentials } from '../../shared/contract.js';
import type { ServerSourceInfo } from '../../shared/models.js';

const SERVER: ServerSourceInfo = {
  url: 'http://127.0.0.1:8000',
  version: '1.3.4',
  api: 'v2',
  tenant: 'default_tenant',
  database: 'default_database',
  identity: null,
  maxBatchSize: 1000,
  auth: 'none',
};

describe('recent servers', () => {
  it('normalises URLs: scheme added, trailing slashes and any user:password@ dropped', () => {
    expect(normalizeServerUrl(' localhost:8000/ ')).toBe('http://localhost:8000');
    expect(normalizeServerUrl('https://api.trychroma.com')).toBe('https://api.trychroma.com');
    expect(normalizeServerUrl('https://admin:hunter2@db.example.com:8443/chroma/')).toBe('https://db.example.com:8443/chroma');
    expect(normalizeServerUrl('admin:hunter2@localhost:8000')).toBe('http://localhost:8000');
    expect(normalizeServerUrl('   ')).toBe('');
  });

  it('keys a server by URL, tenant and database', () => {
    expect(serverKey({ url: 'localhost:8000/' })).toBe('http://localhost:8000||');
    expect(serverKey({ url: 'http://localhost:8000', tenant: ' acme ', database: 'prod' })).toBe('http://localhost:8000|acme|prod');
    expect(serverKey({ url: 'http://h', tenant: 'a' })).not.toBe(serverKey({ url: 'http://h', database: 'a' }));
    expect(serverLabel({ url: 'http://h:1', tenant: 'acme', database: 'prod', auth: 'none' })).toBe('http://h:1 · acme/prod');
  });

  it('puts the newest first, one entry per server+tenant+database, capped', () => {
    let list: RecentServer[] = [];
    for (let i = 0; i < 12; i++) list = addRecentServer(list, { url: `http://h${i}:8000`, auth: 'none' });
    list = addRecentServer(list, { url: 'h5:8000/', auth: 'bearer' });
    expect(list).toHaveLength(MAX_RECENT_SERVERS);
    expect(list[0]).toEqual({ url: 'http://h5:8000', auth: 'bearer' });
    expect(list.filter((s) => s.url === 'http://h5:8000')).toHaveLength(1);
    list = addRecentServer(list, { url: 'http://h5:8000', tenant: 'acme', auth: 'basic' });
    expect(list.filter((s) => s.url === 'http://h5:8000')).toHaveLength(2);
    expect(removeRecentServer(list, 'http://h5:8000|acme|').map(serverKey)).not.toContain('http://h5:8000|acme|');
    expect(addRecentServer(list, { url: '  ', auth: 'none' })).toEqual(list);
  });

  it('never carries a secret: only url, tenant, database and the kind of auth survive storage', () => {
    const stored = JSON.stringify([
      { url: 'http://a:8000', auth: 'x-chroma-token', token: 'sk-secret', password: 'p' },
      { url: 'https://u:pw@b:8000/', tenant: 'acme', database: 'prod', auth: 'basic' },
    ]);
    const parsed = parseRecentServers(stored);
    expect(parsed).toEqual([
      { url: 'http://a:8000', auth: 'x-chroma-token' },
      { url: 'https://b:8000', tenant: 'acme', database: 'prod', auth: 'basic' },
    ]);
    expect(JSON.stringify(parsed)).not.toMatch(/secret|pw/);
  });

  it('survives garbage in storage', () => {
    expect(parseRecentServers(null)).toEqual([]);
    expect(parseRecentServers('not json')).toEqual([]);
    expect(parseRecentServers('{"url":"http://a"}')).toEqual([]);
    expect(parseRecentServers(JSON.stringify([null, 3, { url: '' , auth: 'none' }, { url: 'http://a', auth: 'kerberos' }, { url: 'http://b', tenant: 5, auth: 'none' }, { url: 'http://c', auth: 'none' }]))).toEqual([
      { url: 'http://c', auth: 'none' },
    ]);
  });
});

describe('source capabilities', () => {
  it('a folder can do everything', () => {
    const caps = sourceCapabilities({});
    expect(caps.kind).toBe('folder');
    for (const v of VIEWS) expect(viewUnavailable(caps, v.id)).toBeNull();
    expect([caps.sortRecords, caps.exactQuery, caps.writes, caps.storage, caps.walExport]).toEqual([null, null, null, null, null]);
    expect(caps.outputsBesideSource).toBe(true);
    expect(sourceCapabilities(null).kind).toBe('folder');
  });

  it('a server keeps every view its API feeds and explains the folder-only ones', () => {
    const caps = sourceCapabilities({ server: SERVER });
    expect(caps.kind).toBe('server');
    const absent = VIEWS.filter((v) => viewUnavailable(caps, v.id)).map((v) => v.id);
    expect(absent.sort()).toEqual(['doctor', 'map', 'metadata', 'recall', 'sql', 'wal']);
    expect(viewUnavailable(caps, 'wal')).toMatch(/write-ahead log lives in the folder's SQLite file.*a Chroma server's API does not expose it/);
    for (const v of ['overview', 'collection', 'records', 'search', 'query', 'backup', 'diff'] as const) expect(viewUnavailable(caps, v)).toBeNull();
    expect(caps.sortRecords).toMatch(/Chroma API returns records in its own order/);
    // A server's "path" is its URL: nothing to put a backup or an export beside.
    expect(caps.outputsBesideSource).toBe(false);
    for (const reason of [caps.exactQuery, caps.writes, caps.storage, caps.walExport, ...Object.values(SERVER_VIEW_REASONS)]) {
      expect(reason).toMatch(/server/);
    }
  });
});

describe('the server form: auth → credentials', () => {
  const form = (patch: Partial<AuthForm>): AuthForm => ({ ...emptyAuthForm(), ...patch });
  const ok = (f: AuthForm) => {
    const r = credentialsFromForm(f);
    if (!r.ok) throw new Error(r.error);
    // What the form sends is what the contract accepts.
    if (r.credentials) expect(ServerCredentials.safeParse(r.credentials).success).toBe(true);
    return r.credentials;
  };

  it('maps each kind of auth onto the contract', () => {
    expect(ok(form({ kind: 'none', token: 'ignored' }))).toBeUndefined();
    expect(ok(form({ kind: 'bearer', token: ' sk-1 ' }))).toEqual({ token: 'sk-1', tokenHeader: 'authorization' });
    expect(ok(form({ kind: 'x-chroma-token', token: 'sk-2' }))).toEqual({ token: 'sk-2', tokenHeader: 'x-chroma-token' });
    expect(ok(form({ kind: 'basic', username: ' admin ', password: ' pass with spaces ' }))).toEqual({ basicAuth: { username: 'admin', password: ' pass with spaces ' } });
    expect(ok(form({ kind: 'basic', username: 'admin', password: '' }))).toEqual({ basicAuth: { username: 'admin', password: '' } });
    expect(ok(form({ kind: 'api-key', apiKey: 'ck-3' }))).toEqual({ apiKey: 'ck-3' });
    expect(ok(form({ kind: 'headers', headersJson: '{"X-Api-Key": "k", "X-Team": "search"}' }))).toEqual({ headers: { 'X-Api-Key': 'k', 'X-Team': 'search' } });
  });

  it('refuses what would send nothing or what the engine would refuse', () => {
    const err = (f: AuthForm) => {
      const r = credentialsFromForm(f);
      return r.ok ? null : r.error;
    };
    expect(err(form({ kind: 'bearer', token: '  ' }))).toMatch(/token/);
    expect(err(form({ kind: 'basic', password: 'p' }))).toMatch(/user name/);
    expect(err(form({ kind: 'api-key' }))).toMatch(/API key/);
    expect(err(form({ kind: 'headers', headersJson: '' }))).toMatch(/JSON object/);
    expect(err(form({ kind: 'headers', headersJson: '{bad' }))).toMatch(/not valid JSON/);
    expect(err(form({ kind: 'headers', headersJson: '["a"]' }))).toMatch(/JSON object/);
    expect(err(form({ kind: 'headers', headersJson: '{}' }))).toMatch(/at least one/);
    expect(err(form({ kind: 'headers', headersJson: '{"X-N": 5}' }))).toMatch(/must be a string/);
    expect(err(form({ kind: 'headers', headersJson: '{"bad name": "v"}' }))).toMatch(/not a valid header name/);
  });

  it("turns a URL's user:password@ into basic auth and keeps it out of the URL", () => {
    expect(userinfoOf('http://localhost:8000')).toBeNull();
    expect(userinfoOf('https://ad%40min:p%3Ass:x@db:8443/')).toEqual({ url: 'https://db:8443', basicAuth: { username: 'ad@min', password: 'p:ss:x' } });
    expect(serverAuthFromForm('admin:pw@localhost:8000', form({}))).toEqual({ ok: true, url: 'http://localhost:8000', kind: 'basic', credentials: { basicAuth: { username: 'admin', password: 'pw' } } });
    expect(serverAuthFromForm('admin:pw@localhost:8000', form({ kind: 'bearer', token: 't' }))).toMatchObject({ ok: false });
    expect(serverAuthFromForm('localhost:8000/', form({ kind: 'api-key', apiKey: 'k' }))).toEqual({ ok: true, url: 'http://localhost:8000', kind: 'api-key', credentials: { apiKey: 'k' } });
  });
});
