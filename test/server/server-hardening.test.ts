import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineClient } from '../../shared/client.js';
import { MAX_CLIENT_MESSAGE_BYTES } from '../../shared/protocol.js';
import { startInspectorServer, type RunningServer } from '../../src-main/server/inspector-server.js';
import { runServeCommand } from '../../src-main/server/serve-command.js';
import { EngineService } from '../../src-main/service/engine-service.js';
import { referenceFixture } from '../helpers/paths.js';
import { connectWebSocket } from '../helpers/ws-channel.js';

const dataDir = join(referenceFixture('chroma-1.3.4-seed7'), 'data');

/** A raw HTTP request (fetch would refuse a malformed path or a foreign Host). */
function raw(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a WebSocket and resolves with the HTTP status it was refused with, or 101. */
function wsStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => (ws.close(), resolve(101)));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(-1));
  });
}

describe('serve refuses what it should and survives what clients send', () => {
  const staticRoot = mkdtempSync(join(tmpdir(), 'chroma-inspector-static-'));
  const service = new EngineService({ defaultFolder: dataDir });
  let server: RunningServer;

  /** The server still answers an authorised call on a fresh connection. */
  async function stillAnswers(): Promise<void> {
    const channel = await connectWebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    const client = createEngineClient(channel);
    try {
      const { path } = await client.call('defaultFolder', {});
      expect(path).toBe(dataDir);
    } finally {
      client.close();
      channel.close();
    }
    expect((await raw(server.port, '/')).status).toBe(200);
  }

  beforeAll(async () => {
    writeFileSync(join(staticRoot, 'index.html'), '<!doctype html><div id="root"></div>');
    mkdirSync(join(staticRoot, 'assets'));
    writeFileSync(join(staticRoot, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(staticRoot, 'assets', 'app.js.map'), '{"sources":["/home/someone/src/app.ts"]}');
    const secret = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-secret-')), 'secret.txt');
    writeFileSync(secret, 'outside the UI');
    symlinkSync(secret, join(staticRoot, 'assets', 'link.js'));
    server = await startInspectorServer({ service, staticRoot, port: 0, maxMessageBytes: 64 * 1024 });
  });
  afterAll(async () => {
    await server.close();
    await service.closeAll();
    rmSync(staticRoot, { recursive: true, force: true });
  });

  it('answers a malformed path with 400 and keeps running', async () => {
    for (const path of ['/%', '/assets/%E0%A4%A', '/%zz/x.js']) expect((await raw(server.port, path)).status, path).toBe(400);
    await stillAnswers();
  });

  it('serves no source map, no symbolic link and nothing outside the UI folder', async () => {
    expect((await raw(server.port, '/assets/app.js')).status).toBe(200);
    expect((await raw(server.port, '/assets/app.js.map')).status).toBe(404);
    const link = await raw(server.port, '/assets/link.js');
    expect(link.status).toBe(404);
    expect(link.body).not.toContain('outside the UI');
    for (const path of ['/../../../etc/passwd', '/assets/..%2f..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/hostname']) {
      // Either refused, or (a path with no extension) the app's own page: never a file outside.
      const r = await raw(server.port, path);
      if (r.status === 200) expect(r.body, path).toBe('<!doctype html><div id="root"></div>');
      else expect([400, 404], path).toContain(r.status);
    }
  });

  it('answers only to its own Host (no DNS rebinding)', async () => {
    expect((await raw(server.port, '/', { host: `evil.example:${server.port}` })).status).toBe(421);
    expect(await wsStatus(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { host: `evil.example:${server.port}` })).toBe(403);
    expect((await raw(server.port, '/', { host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('accepts a WebSocket only from its own page, and only with the token', async () => {
    const url = `ws://127.0.0.1:${server.port}/api?token=${server.token}`;
    expect(await wsStatus(url, { origin: 'https://evil.example' })).toBe(403);
    expect(await wsStatus(url, { origin: `http://127.0.0.1:${server.port}` })).toBe(101);
    expect(await wsStatus(`ws://127.0.0.1:${server.port}/api?token=wrong`)).toBe(401);
    expect(await wsStatus(`ws://127.0.0.1:${server.port}/api`)).toBe(401);
  });

  it('exchanges the printed token for an HttpOnly, SameSite=Strict cookie and drops it from the address', async () => {
    const r = await raw(server.port, `/?token=${server.token}`);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const pair = cookie.split(';')[0]!;
    expect(pair).toContain(server.token);
    expect((await raw(server.port, '/?token=wrong')).status).toBe(401);
    // The page's WebSocket then authenticates with the cookie alone.
    expect(await wsStatus(`ws://127.0.0.1:${server.port}/api`, { cookie: pair, origin: `http://127.0.0.1:${server.port}` })).toBe(101);
    expect(await wsStatus(`ws://127.0.0.1:${server.port}/api`, { cookie: pair.replace(/=.*/, '=wrong') })).toBe(401);
  });

  it('closes only the connection that sends a bad frame or an oversized message', async () => {
    // A frame with the reserved opcode 0x3 (FIN set), masked, empty.
    const socket = tcpConnect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const key = Buffer.from('0123456789abcdef').toString('base64');
    socket.write(`GET /api?token=${server.token} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.write(Buffer.from([0x83, 0x80, 0, 0, 0, 0]));
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await stillAnswers();

    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    await new Promise<void>((resolve) => ws.once('open', () => resolve()));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('x'.repeat(200 * 1024));
    expect(await closed).toBe(1009);
    await stillAnswers();
  });

  it('accepts messages up to MAX_CLIENT_MESSAGE_BYTES by default, and no larger', async () => {
    const plain = await startInspectorServer({ service, staticRoot, port: 0 });
    try {
      const url = `ws://127.0.0.1:${plain.port}/api?token=${plain.token}`;
      // A call of exactly the limit is answered (an unknown method: the point is that it was read).
      const call = JSON.stringify({ type: 'call', id: 1, method: 'nothing', input: { pad: '' } });
      const atLimit = call.replace('"pad":""', `"pad":"${'x'.repeat(MAX_CLIENT_MESSAGE_BYTES - call.length)}"`);
      expect(Buffer.byteLength(atLimit)).toBe(MAX_CLIENT_MESSAGE_BYTES);
      const ws = new WebSocket(url);
      await new Promise<void>((resolve) => ws.once('open', () => resolve()));
      const answer = new Promise<{ id: number; ok: boolean }>((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)) as { id: number; ok: boolean })));
      ws.send(atLimit);
      expect(await answer).toMatchObject({ id: 1, ok: false });
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      ws.send(`${atLimit} `);
      expect(await closed).toBe(1009);
    } finally {
      await plain.close();
    }
  });

  it('answers unknown methods, prototype names and bad input with errors', async () => {
    const channel = await connectWebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    const replies = new Map<number, { ok: boolean; error?: { code: string; message: string } }>();
    channel.onMessage((m) => {
      if (m.type === 'result') replies.set(m.id, m as never);
    });
    const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'nope'];
    names.forEach((method, i) => channel.send({ type: 'call', id: i + 1, method, input: {} }));
    channel.send({ type: 'call', id: 99, method: 'count', input: { handle: 42, collectionId: null } });
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 1; i <= names.length; i++) expect(replies.get(i)?.error?.message, names[i - 1]).toMatch(/Unknown method/);
    expect(replies.get(99)?.error?.code).toBe('INVALID_ARGUMENT');
    channel.close();
    await stillAnswers();
  });

  it('survives thousands of random and mutated messages', async () => {
    let s = 7;
    const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
    const pick = <T>(a: T[]) => a[Math.floor(rand() * a.length)]!;
    const methods = ['openFolder', 'folderInfo', 'records', 'get', 'query', 'count', 'sql', 'walRows', 'backup', 'exportRecords', 'setWritable', 'cancel', '__proto__', ''];
    const junk = (): unknown => pick<() => unknown>([
      () => null,
      () => Math.floor(rand() * 1e9) - 5e8,
      () => rand() * 1e308 * (rand() < 0.5 ? -1 : 1),
      () => 'x'.repeat(Math.floor(rand() * 50)),
      () => [junk(), junk()],
      () => ({ handle: junk(), collectionId: junk(), args: junk(), path: junk() }),
      () => ({ __proto__: { polluted: true }, constructor: junk() }),
      () => true,
    ])();
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    await new Promise<void>((resolve) => ws.once('open', () => resolve()));
    let answered = 0;
    ws.on('message', () => answered++);
    for (let i = 0; i < 3000; i++) {
      const base = { type: pick(['call', 'cancel', 'result', 'call']), id: pick<unknown>([i, -i, 'x', null, 1.5]), method: pick(methods), input: junk() };
      const text = JSON.stringify(base);
      const kind = rand();
      if (kind < 0.6) ws.send(text);
      else if (kind < 0.8) ws.send(text.slice(0, Math.floor(rand() * text.length))); // truncated JSON
      else if (kind < 0.9) ws.send(Buffer.from(Array.from({ length: 40 }, () => Math.floor(rand() * 256)))); // binary garbage
      else ws.send(JSON.stringify(junk()));
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect(answered).toBeGreaterThan(100); // the well-formed calls got answers (errors, mostly)
    ws.close();
    await stillAnswers();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 60_000);

  it('will not listen beyond loopback unless asked to, and says what that hands out', async () => {
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (errors.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      expect(await runServeCommand({ folder: dataDir, port: '0', host: '0.0.0.0' })).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(errors.join('')).toMatch(/--allow-remote/);
  });
});
