import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InspectorError } from '../../shared/errors.js';
import { EngineService } from '../../src-main/service/engine-service.js';
import { createInProcessClient } from '../../src-main/service/in-process-client.js';
import { checkServerAllowed, originOf } from '../../src-main/service/server-policy.js';
import { servePolicy } from '../../src-main/server/serve-command.js';
import { referenceFixture } from '../helpers/paths.js';
import { realChromaProblem, reportSkip } from '../helpers/reference-chroma.js';
import { useChromaServer } from '../helpers/served-chroma.js';
import { recordingProxy } from './fake-servers.js';

describe('which servers a host lets its clients open', () => {
  it('origins compare with the default port spelt out and the host lower-cased', () => {
    expect(originOf('http://Example.com')).toBe('http://example.com:80');
    expect(originOf('https://example.com/')).toBe('https://example.com:443');
    expect(originOf('http://10.0.0.1:8000/?tenant=t')).toBe('http://10.0.0.1:8000');
    expect(() => originOf('not a url')).toThrow(/not a valid server URL/);
  });

  it('serve on loopback lets clients open any server; beyond loopback only the named ones', () => {
    const named = { served: 'http://chroma.internal:8000', servers: ['https://other:8443'] };
    const local = servePolicy(named, true);
    expect(local.allowed).toBeNull();
    expect(local.defaultServer).toEqual({ url: 'http://chroma.internal:8000' });
    expect(() => checkServerAllowed(local, 'http://169.254.169.254')).not.toThrow();

    const remote = servePolicy({ ...named, tenant: 't', database: 'd' }, false);
    expect(remote.defaultServer).toEqual({ url: 'http://chroma.internal:8000', tenant: 't', database: 'd' });
    expect(() => checkServerAllowed(remote, 'http://chroma.internal:8000/')).not.toThrow();
    expect(() => checkServerAllowed(remote, 'https://other:8443')).not.toThrow();
    expect(() => checkServerAllowed(remote, 'http://169.254.169.254')).toThrow(/may only open the Chroma servers it was started with \(http:\/\/chroma\.internal:8000, https:\/\/other:8443\)/);
    // Credentials from the environment go to the named servers only, wherever serve listens.
    expect(local.envCredentialsFor).toEqual(remote.envCredentialsFor);
    expect(servePolicy({ served: null, servers: [] }, false).allowed).toEqual([]);
    expect(() => servePolicy({ served: 'http://[bad', servers: [] }, true)).toThrow(InspectorError);
  });
});

const problem = realChromaProblem('1.3.4');
reportSkip('server credentials through the contract', problem);

describe.skipIf(problem !== null)('credentials through the contract reach only their server', () => {
  const served = useChromaServer('1.3.4', { copyOf: join(referenceFixture('chroma-1.3.4-seed7'), 'data') });

  it("an open call's credentials are sent on every request to that server", async () => {
    const proxy = await recordingProxy(served.server.url, (h) => (h['x-chroma-token'] === 'typed-in' ? null : 401));
    const service = new EngineService();
    const client = createInProcessClient(service);
    try {
      const refused = await client.call('openServer', { url: proxy.url }).then(() => null, (e: unknown) => e);
      expect((refused as InspectorError).code).toBe('UNAUTHORIZED');
      const opened = await client.call('openServer', { url: proxy.url, credentials: { token: 'typed-in', tokenHeader: 'x-chroma-token' } });
      expect(opened.info.server?.auth).toBe('token');
      const articles = opened.info.tenants[0]!.databases.flatMap((d) => d.collections).find((c) => c.name === 'articles')!;
      await client.call('records', { handle: opened.handle, collectionId: articles.id, limit: 5 });
      const after = proxy.seen.filter((s) => s.headers['x-chroma-token'] === 'typed-in');
      expect(after.length).toBeGreaterThan(3);
    } finally {
      client.close();
      await service.closeAll();
      await proxy.close();
    }
  });

  it("the environment's credentials go to the servers the host was started with, not to others", async () => {
    const named = await recordingProxy(served.server.url);
    const other = await recordingProxy(served.server.url);
    const saved = process.env.CHROMA_INSPECTOR_TOKEN;
    process.env.CHROMA_INSPECTOR_TOKEN = 'from-env';
    const service = new EngineService({ servers: servePolicy({ served: named.url, servers: [] }, true) });
    const client = createInProcessClient(service);
    try {
      expect(await client.call('defaultFolder', {})).toEqual({ path: null, server: { url: named.url } });
      await client.call('openServer', { url: named.url });
      await client.call('openServer', { url: other.url });
      expect(named.seen.length).toBeGreaterThan(0);
      expect(named.seen.every((s) => s.headers.authorization === 'Bearer from-env')).toBe(true);
      expect(other.seen.length).toBeGreaterThan(0);
      expect(other.seen.some((s) => s.headers.authorization !== undefined)).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.CHROMA_INSPECTOR_TOKEN;
      else process.env.CHROMA_INSPECTOR_TOKEN = saved;
      client.close();
      await service.closeAll();
      await named.close();
      await other.close();
    }
  });

  it('a host serving beyond loopback refuses servers it was not started with', async () => {
    const service = new EngineService({ servers: servePolicy({ served: served.server.url, servers: [] }, false) });
    const client = createInProcessClient(service);
    try {
      const err = await client.call('openServer', { url: 'http://127.0.0.1:1' }).then(() => null, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect((err as Error).message).toContain(originOf(served.server.url));
      expect((await client.call('openServer', { url: served.server.url })).info.server?.url).toBe(served.server.url);
    } finally {
      client.close();
      await service.closeAll();
    }
  });
});
