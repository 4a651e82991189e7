import { describe, expect, it } from 'vitest';
import { isServerUrl, serverEndpoint, serverOptionsFromEnv, targetServerOptionsFromEnv } from '../../src-main/source/server/server-endpoint.js';

// How a URL plus the environment becomes what the chromadb client is given. The header values
// are the HTTP standards' (RFC 7617 Basic, RFC 6750 Bearer) and Chroma's X-Chroma-Token.
describe('server endpoints', () => {
  it('tells URLs from folders', () => {
    expect(['http://h:8000', 'HTTPS://h', 'https://h/'].every(isServerUrl)).toBe(true);
    expect(['./http:', '/data/chroma', 'C:\\chroma', 'ftp://h'].some(isServerUrl)).toBe(false);
  });

  it('host, port, TLS and the scope from the URL; secrets never in the printed URL', () => {
    expect(serverEndpoint('https://ann:pw@db.example:9443/?tenant=t1&database=d1')).toEqual({
      url: 'https://db.example:9443',
      host: 'db.example',
      port: 9443,
      ssl: true,
      headers: { Authorization: `Basic ${Buffer.from('ann:pw').toString('base64')}` },
      tenant: 't1',
      database: 'd1',
    });
    expect(serverEndpoint('http://[::1]:8000')).toMatchObject({ host: '[::1]', port: 8000, ssl: false, headers: {} });
    expect(serverEndpoint('https://api.trychroma.com')).toMatchObject({ port: 443, ssl: true });
    expect(serverEndpoint('http://h:8000/?tenant=q', { tenant: 'flag' }).tenant).toBe('flag');
  });

  it('reads secrets from the environment', () => {
    const env = { CHROMA_INSPECTOR_TOKEN: 't', CHROMA_INSPECTOR_HEADERS: '{"X-A":"1"}', CHROMA_TENANT: 'ten', CHROMA_DATABASE: 'db' };
    expect(serverEndpoint('http://h:1', serverOptionsFromEnv(env))).toMatchObject({ headers: { 'X-A': '1', Authorization: 'Bearer t' }, tenant: 'ten', database: 'db' });
    expect(serverEndpoint('http://h:1', serverOptionsFromEnv({ CHROMA_API_KEY: 'k' })).headers).toEqual({ 'X-Chroma-Token': 'k' });
  });

  it('refuses what it cannot honour', () => {
    expect(() => serverEndpoint('http://h:1/chroma')).toThrow(/cannot reach a server below a path/);
    expect(() => serverEndpoint('http://h:1', { token: 't', basicAuth: { username: 'a', password: 'b' } })).toThrow(/both set the Authorization header/);
    expect(() => serverEndpoint('http://h:1', { headers: { 'x-chroma-token': 'a' }, apiKey: 'k' })).toThrow(/both set the X-Chroma-Token header/);
    expect(() => serverOptionsFromEnv({ CHROMA_INSPECTOR_HEADERS: '[1]' })).toThrow(/JSON object/);
    expect(() => serverOptionsFromEnv({ CHROMA_INSPECTOR_BASIC_AUTH: 'nocolon' })).toThrow(/user:password/);
    expect(() => serverOptionsFromEnv({ CHROMA_INSPECTOR_TOKEN: 't', CHROMA_INSPECTOR_TOKEN_HEADER: 'Cookie' })).toThrow(/TOKEN_HEADER/);
  });
});

describe("a copy's target credentials", () => {
  it('are the TARGET_ variables when any is set (and then only those), else the plain ones', () => {
    const plain = { CHROMA_INSPECTOR_TOKEN: 'source-secret', CHROMA_TENANT: 't' };
    expect(targetServerOptionsFromEnv(plain)).toEqual({ token: 'source-secret', tokenHeader: 'authorization', tenant: 't' });
    const both = { ...plain, CHROMA_TARGET_API_KEY: 'target-key' };
    expect(targetServerOptionsFromEnv(both)).toEqual({ apiKey: 'target-key', tenant: 't' });
    const basic = { ...plain, CHROMA_INSPECTOR_TARGET_BASIC_AUTH: 'u:p', CHROMA_INSPECTOR_TARGET_HEADERS: '{"X-T":"1"}' };
    expect(targetServerOptionsFromEnv(basic)).toEqual({ basicAuth: { username: 'u', password: 'p' }, headers: { 'X-T': '1' }, tenant: 't' });
  });
});
