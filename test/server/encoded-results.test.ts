import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createEngineClient } from '../../shared/client.js';
import { InspectorError } from '../../shared/errors.js';
import type { ServerMessage } from '../../shared/protocol.js';
import { serverTuning, startInspectorServer, type RunningServer } from '../../src-main/server/inspector-server.js';
import { createDispatcher, type Handlers } from '../../src-main/service/dispatcher.js';
import { decodeResult, isEncodedResult } from '../../shared/encoded-result.js';
import { encodedMessagePieces, encodeResult, type SessionMessage } from '../../src-main/service/encoded-result.js';
import { EngineService } from '../../src-main/service/engine-service.js';
import { engineProcessEnv, setupFromEnv } from '../../src-main/service/worker-pool/worker-setup.js';
import { createWorkerPool, type WorkerPool } from '../../src-main/service/worker-pool/worker-pool.js';
import { buildEngineWorker } from '../helpers/build-engine-worker.js';
import { referenceFixture } from '../helpers/paths.js';
import { connectWebSocket } from '../helpers/ws-channel.js';

// serve's engines send each answer as its JSON text, made in the worker that computed it: the
// server's one thread never clones or stringifies a large answer (it held every other client's
// calls for seconds: 4.4 s at 100,000 records with embeddings). Checked here against the
// in-process engine, which builds the same answers as objects on one thread.

const dataDir = join(referenceFixture('chroma-1.3.4-seed7'), 'data');
const everything = { include: ['embeddings', 'documents', 'metadatas'] };

describe('a result encoded where it was computed', () => {
  it('is the same JSON text as the message stringified whole, in three pieces', () => {
    const values: unknown[] = [{ ids: ['å', '日本語', '🙂'], embeddings: [[0.1, -2.5e-7, 3]] }, null, 'text', undefined, [], 2 ** 60];
    for (const value of values) {
      const message: ServerMessage = { type: 'result', id: 41, ok: true, value };
      const encoded = encodeResult(message);
      expect(isEncodedResult(encoded)).toBe(true);
      if (!isEncodedResult(encoded)) continue;
      const text = encodedMessagePieces(encoded).map((b) => Buffer.from(b).toString('utf8')).join('');
      // undefined is absent from the whole message's JSON, and reads back as null from the pieces.
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify({ ...message, value: value ?? null })));
      expect(decodeResult(encoded)).toEqual({ ...message, value: value === undefined ? null : JSON.parse(JSON.stringify(value)) });
    }
  });

  it('leaves progress and errors as they are', () => {
    const progress: ServerMessage = { type: 'progress', id: 1, done: 2, total: 3 };
    const failed: ServerMessage = { type: 'result', id: 1, ok: false, error: { code: 'NOT_FOUND', message: 'x' } };
    expect(encodeResult(progress)).toBe(progress);
    expect(encodeResult(failed)).toBe(failed);
  });

  it('says an answer is too large to send rather than losing it, and the client gets that error', async () => {
    const tooLong = () => {
      throw new RangeError('Invalid string length');
    };
    const spy = vi.spyOn(JSON, 'stringify').mockImplementationOnce(tooLong);
    try {
      expect(() => encodeResult({ type: 'result', id: 1, ok: true, value: {} })).toThrow(/too large to send/);
    } finally {
      spy.mockRestore();
    }
    // Through the dispatcher, as in an engine worker: the carrier's error becomes the call's answer.
    const handlers = { count: () => 7 } as unknown as Handlers;
    const answers: ServerMessage[] = [];
    const session = createDispatcher(handlers)((m) => {
      if (m.type === 'result' && m.ok) throw new InspectorError('INVALID_ARGUMENT', 'The answer is too large to send');
      answers.push(m);
    });
    session.receive({ type: 'call', id: 3, method: 'count', input: { handle: 'h', collectionId: 'c' } });
    await vi.waitFor(() => expect(answers).toHaveLength(1));
    expect(answers[0]).toMatchObject({ id: 3, ok: false, error: { code: 'INVALID_ARGUMENT', message: 'The answer is too large to send' } });
  });

  it('is asked of process engines through their environment', () => {
    expect(setupFromEnv(engineProcessEnv({}, { defaultFolder: null, roots: null, encodeResults: true })).encodeResults).toBe(true);
    expect(setupFromEnv(engineProcessEnv({}, { defaultFolder: null, roots: null })).encodeResults).toBe(false);
  });
});

describe('serve with engines that encode their results', () => {
  let worker: Awaited<ReturnType<typeof buildEngineWorker>>;
  let pool: WorkerPool;
  let server: RunningServer;
  const service = new EngineService({ defaultFolder: dataDir });
  let poolHandle = '';
  let localHandle = '';
  let largest = '';

  beforeAll(async () => {
    worker = await buildEngineWorker();
    pool = createWorkerPool({ defaultFolder: dataDir, workerEntry: worker.entry, readWorkers: 1, encodeResults: true });
    server = await startInspectorServer({ connect: pool.connect, staticRoot: join(dataDir, 'nonexistent'), port: 0 });
    const local = createDispatcher(service.handlers());
    const opened = await callOn(local, 'openFolder', { path: dataDir });
    localHandle = (opened as { handle: string }).handle;
    const info = (opened as { info: { tenants: { databases: { collections: { id: string; count: number }[] }[] }[] } }).info;
    largest = info.tenants.flatMap((t) => t.databases.flatMap((d) => d.collections)).sort((a, b) => b.count - a.count)[0]!.id;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await pool?.close();
    await service.closeAll();
    worker?.dispose();
  });

  /** One call through a session factory, the value as its carrier was handed it. */
  function callOn(connect: (send: (m: SessionMessage) => void) => { receive(raw: unknown): void }, method: string, input: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const session = connect((m) => {
        if (m.type !== 'result') return;
        if (isEncodedResult(m)) resolve(m);
        else if (m.ok) resolve(m.value);
        else reject(new Error(m.error.message));
      });
      session.receive({ type: 'call', id: 1, method, input });
    });
  }

  it('hands the carrier a get as bytes, and the handles the pool reads as values', async () => {
    const opened = (await callOn(pool.connect, 'openFolder', { path: dataDir })) as { handle: string; writable: boolean };
    // The pool's own handle (it parsed the engine's answer to translate it), not the engine's.
    expect(opened.writable).toBe(false);
    poolHandle = opened.handle;
    const got = await callOn(pool.connect, 'get', { handle: poolHandle, collectionId: largest, args: everything });
    expect(isEncodedResult(got as SessionMessage)).toBe(true);
    const expected = await callOn(createDispatcher(service.handlers()), 'get', { handle: localHandle, collectionId: largest, args: everything });
    expect((decodeResult(got as Parameters<typeof decodeResult>[0]) as { value: unknown }).value).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it.each([
    ['in one frame each', 1024 * 1024],
    ['as fragments of one message each', 0],
  ])('gives a WebSocket client the same answers as the in-process engine, also side by side on one connection (%s)', async (_how, fragmentFromBytes) => {
    serverTuning.fragmentFromBytes = fragmentFromBytes;
    onTestFinished(() => {
      serverTuning.fragmentFromBytes = 1024 * 1024;
    });
    const channel = await connectWebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    const client = createEngineClient(channel);
    try {
      const { handle } = await client.call('openFolder', { path: dataDir });
      const local = createDispatcher(service.handlers());
      const expectedGet = JSON.parse(JSON.stringify(await callOn(local, 'get', { handle: localHandle, collectionId: largest, args: everything })));
      const expectedPage = JSON.parse(JSON.stringify(await callOn(local, 'records', { handle: localHandle, collectionId: largest, offset: 0, limit: 50 })));
      // Three answers in flight on one connection: each arrives whole (fragments of one never mix with another's).
      const [a, b, page] = await Promise.all([
        client.call('get', { handle, collectionId: largest, args: everything }),
        client.call('get', { handle, collectionId: largest, args: everything }),
        client.call('records', { handle, collectionId: largest, offset: 0, limit: 50 }),
      ]);
      expect(a).toEqual(expectedGet);
      expect(b).toEqual(expectedGet);
      expect(page).toEqual(expectedPage);
      // Errors still travel as data, typed again on this side.
      const err = await client.call('get', { handle, collectionId: 'no-such-collection', args: {} }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(InspectorError);
    } finally {
      client.close();
      channel.close();
    }
  });
});
