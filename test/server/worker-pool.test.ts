import { rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineClient, type EngineClient } from '../../shared/client.js';
import { InspectorError } from '../../shared/errors.js';
import type { ServerMessage } from '../../shared/protocol.js';
import { startInspectorServer, type RunningServer } from '../../src-main/server/inspector-server.js';
import { createWorkerPool, type WorkerPool } from '../../src-main/service/worker-pool/worker-pool.js';
import { buildEngineWorker } from '../helpers/build-engine-worker.js';
import { copyOf } from '../helpers/folder-copies.js';
import { referenceFixture } from '../helpers/paths.js';
import { connectWebSocket } from '../helpers/ws-channel.js';

// The engine runs off the server's thread: a runaway call (catastrophic regex, endless SQL) is
// stopped at its time limit or on cancel, and meanwhile every other client keeps being answered.

const dataDir = join(referenceFixture('chroma-1.3.4-seed7'), 'data');
const CATASTROPHIC = '^(\\w+\\s?)*$';
const ENDLESS_SQL = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c';
const LIMIT_MS = 3000;

let worker: Awaited<ReturnType<typeof buildEngineWorker>>;
let pool: WorkerPool;
let server: RunningServer;
const clients: { client: EngineClient; close(): void }[] = [];
let handle = '';
let articles = '';

async function connect(): Promise<EngineClient> {
  const channel = await connectWebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
  const client = createEngineClient(channel);
  clients.push({ client, close: () => (client.close(), channel.close()) });
  return client;
}

/** Calls `count` every 100 ms while `busy` runs; returns the slowest answer's latency. */
async function slowestCountWhile(client: EngineClient, busy: Promise<unknown>): Promise<number> {
  let running = true;
  void busy.finally(() => (running = false)).catch(() => undefined);
  let slowest = 0;
  let answered = 0;
  while (running) {
    const t0 = performance.now();
    await client.call('count', { handle, collectionId: articles });
    slowest = Math.max(slowest, performance.now() - t0);
    answered++;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(answered).toBeGreaterThan(5);
  return slowest;
}

const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as InspectorError);

beforeAll(async () => {
  worker = await buildEngineWorker();
  pool = createWorkerPool({ defaultFolder: dataDir, workerEntry: worker.entry, callTimeoutMs: LIMIT_MS, cancelGraceMs: 500 });
  server = await startInspectorServer({ connect: pool.connect, staticRoot: join(dataDir, 'nonexistent'), port: 0 });
  const first = await connect();
  const opened = await first.call('openFolder', { path: dataDir });
  handle = opened.handle;
  articles = opened.info.tenants.flatMap((t) => t.databases.flatMap((d) => d.collections)).find((c) => c.name === 'articles')!.id;
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.close();
  await pool?.close();
  worker?.dispose();
});

describe('worker pool behind serve', () => {
  it('stops a catastrophic $regex at the time limit while another client keeps being answered', async () => {
    const [a, b] = [await connect(), await connect()];
    const t0 = performance.now();
    const runaway = errorOf(a.call('records', { handle, collectionId: articles, whereDocument: { $regex: CATASTROPHIC }, offset: 0, limit: 10 }));
    const slowest = await slowestCountWhile(b, runaway);
    const err = await runaway;
    const took = performance.now() - t0;
    console.log(`regex: second client's slowest count ${slowest.toFixed(0)} ms; runaway stopped after ${took.toFixed(0)} ms`);
    expect(err).toBeInstanceOf(InspectorError);
    expect(err?.code).toBe('TIMEOUT');
    expect(err?.message).toMatch(/longer than 3 s.*--call-timeout/);
    expect(took).toBeLessThan(LIMIT_MS + 2000);
    expect(slowest).toBeLessThan(1000);
    // The pool replaced the terminated worker and still answers, on the same handle.
    expect(await a.call('count', { handle, collectionId: articles })).toBeGreaterThan(0);
  }, 30_000);

  it('kills an endless WITH RECURSIVE statement at the time limit, leaving no process behind', async () => {
    const [a, b] = [await connect(), await connect()];
    // The statement runs in the SQL child kept ready; remember it to prove it is gone afterwards.
    for (let i = 0; i < 100 && pool.sqlPids().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const pids = pool.sqlPids();
    expect(pids.length).toBe(1);
    const runaway = errorOf(a.call('sql', { handle, sql: ENDLESS_SQL }));
    const slowest = await slowestCountWhile(b, runaway);
    const err = await runaway;
    console.log(`sql: second client's slowest count ${slowest.toFixed(0)} ms`);
    expect(err?.code).toBe('TIMEOUT');
    expect(slowest).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 200));
    expect(pool.sqlPids()).not.toContain(pids[0]);
    expect(() => process.kill(pids[0]!, 0)).toThrow();
    // An ordinary statement still works (a fresh child each call).
    const ok = await a.call('sql', { handle, sql: 'SELECT count(*) AS n FROM collections' });
    expect(ok.columns).toEqual(['n']);
  }, 30_000);

  it('cancel stops a running catastrophic regex promptly with CANCELLED', async () => {
    // A raw channel: the client library fails a cancelled call at once; here we wait for the engine.
    const channel = await connectWebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    clients.push({ client: createEngineClient(channel), close: () => channel.close() });
    const answer = new Promise<ServerMessage>((done) => channel.onMessage((m) => m.id === 7 && m.type === 'result' && done(m)));
    channel.send({ type: 'call', id: 7, method: 'records', input: { handle, collectionId: articles, whereDocument: { $regex: CATASTROPHIC }, offset: 0, limit: 10 } });
    await new Promise((r) => setTimeout(r, 500));
    const t0 = performance.now();
    channel.send({ type: 'cancel', id: 7 });
    const m = await answer;
    const took = performance.now() - t0;
    console.log(`cancel: answered CANCELLED after ${took.toFixed(0)} ms`);
    expect(m).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(took).toBeLessThan(1500);
    const c = await connect();
    expect(await c.call('count', { handle, collectionId: articles })).toBeGreaterThan(0);
  }, 30_000);

  it('keeps handles stable across workers and closes them everywhere', async () => {
    const c = await connect();
    const again = await c.call('openFolder', { path: dataDir });
    expect(again.handle).toBe(handle);
    expect(again.writable).toBe(false);
    const counts = await Promise.all([1, 2, 3, 4].map(() => c.call('count', { handle, collectionId: articles })));
    expect(new Set(counts).size).toBe(1);
    const unknown = await errorOf(c.call('count', { handle: 'no-such-handle', collectionId: articles }));
    expect(unknown?.code).toBe('NOT_FOUND');
  });

  it('runs writes on one engine, and every reader sees them once writes are off again', async () => {
    const dir = copyOf(dataDir);
    const c = await connect();
    const opened = await c.call('openFolder', { path: dir });
    const id = opened.info.tenants.flatMap((t) => t.databases.flatMap((d) => d.collections)).find((x) => x.name === 'articles')!.id;
    const h = opened.handle;
    // Every read worker opens the folder before the write, so each holds what it read then.
    await Promise.all([1, 2, 3].map(() => c.call('get', { handle: h, collectionId: id, args: { limit: 1 } })));
    const first = (await c.call('get', { handle: h, collectionId: id, args: { limit: 1 } })).ids[0]!;
    expect(await c.call('setWritable', { handle: h, writable: true, confirm: basename(dir) })).toMatchObject({ writable: true });
    expect((await c.call('openFolder', { path: dir })).writable).toBe(true);
    const row = await c.call('updateRecord', { handle: h, collectionId: id, id: first, document: 'written through the pool' });
    expect(row.document).toBe('written through the pool');
    const docOf = async () => (await c.call('get', { handle: h, collectionId: id, args: { ids: [first], include: ['documents'] } })).documents[0];
    expect(await docOf()).toBe('written through the pool');
    expect(await c.call('setWritable', { handle: h, writable: false })).toEqual({ writable: false });
    for (let i = 0; i < 4; i++) expect(await docOf()).toBe('written through the pool');
    const refused = await errorOf(c.call('updateRecord', { handle: h, collectionId: id, id: first, document: 'x' }));
    expect(refused?.code).toBe('READ_ONLY');
    expect(await c.call('closeFolder', { handle: h })).toEqual({ closed: true });
    expect((await errorOf(c.call('count', { handle: h, collectionId: id })))?.code).toBe('NOT_FOUND');
    rmSync(dirname(dir), { recursive: true, force: true });
  }, 60_000);
});
