// How the Electron hosts serve sessions (host-engine.ts): the worker pool with the time limit
// from the environment, or the engine on the host's thread when the worker is not built; either
// way, each call that opened or wrote a path is reported for main's reveal allow-list.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngineClient, type EngineClient } from '../../../shared/client.js';
import { MessageChannel } from 'node:worker_threads';
import { isEncodedResult } from '../../../shared/encoded-result.js';
import { createMessagePortChannel } from '../../../src-renderer/client/message-port-channel.js';
import { EngineService } from '../../../src-main/service/engine-service.js';
import { createInProcessClient } from '../../../src-main/service/in-process-client.js';
import { CALL_TIMEOUT_ENV, callTimeoutFromEnv, startHostEngine, type HostEngine } from '../../../src-main/app/host-engine.js';
import type { PathProduced } from '../../../src-main/app/produced-paths.js';
import { DEFAULT_CALL_TIMEOUT_MS } from '../../../src-main/service/worker-pool/worker-pool.js';
import { buildEngineWorker } from '../../helpers/build-engine-worker.js';
import { referenceFixture } from '../../helpers/paths.js';

const folder = join(referenceFixture('chroma-1.3.4-seed7'), 'data');

/**
 * A window's client on one session of the host's engine, wired as engine-host.ts wires it: the
 * host posts what the session sends to its end of a MessagePort pair (a real structured clone),
 * and the window's end goes through the renderer's own channel. `arrived` holds what crossed.
 */
function clientOf(engine: HostEngine): { client: EngineClient; arrived: unknown[]; close(): void } {
  const { port1: hostPort, port2: windowPort } = new MessageChannel();
  const session = engine.connect((m) => hostPort.postMessage(m));
  hostPort.on('message', (data) => session.receive(data));
  const arrived: unknown[] = [];
  windowPort.on('message', (data) => arrived.push(data));
  const client = createEngineClient(createMessagePortChannel(windowPort as unknown as Parameters<typeof createMessagePortChannel>[0]));
  return {
    client,
    arrived,
    close() {
      client.close();
      session.close();
      hostPort.close();
    },
  };
}

/** The results that crossed, in order. */
const answersTo = (arrived: unknown[], type: 'result') => arrived.filter((m): m is { type: string; id: number } => (m as { type?: unknown }).type === type);

describe('the call time limit of the desktop engine', () => {
  it(`reads ${CALL_TIMEOUT_ENV} in seconds, 0 for none, the pool's default otherwise`, () => {
    expect(callTimeoutFromEnv({})).toEqual({ ms: DEFAULT_CALL_TIMEOUT_MS, warning: null });
    expect(callTimeoutFromEnv({ [CALL_TIMEOUT_ENV]: '' })).toEqual({ ms: DEFAULT_CALL_TIMEOUT_MS, warning: null });
    expect(callTimeoutFromEnv({ [CALL_TIMEOUT_ENV]: '0' })).toEqual({ ms: null, warning: null });
    expect(callTimeoutFromEnv({ [CALL_TIMEOUT_ENV]: '2.5' })).toEqual({ ms: 2500, warning: null });
    for (const bad of ['soon', '-1', 'Infinity']) {
      const t = callTimeoutFromEnv({ [CALL_TIMEOUT_ENV]: bad });
      expect(t.ms).toBe(DEFAULT_CALL_TIMEOUT_MS);
      expect(t.warning).toMatch(/not a number of seconds/);
    }
  });
});

describe('startHostEngine', () => {
  it('runs on the worker pool when the worker is built, reporting the folders opened', async () => {
    const worker = await buildEngineWorker();
    const reported: PathProduced[] = [];
    const notes: string[] = [];
    const engine = await startHostEngine({ workerEntry: worker.entry, env: { CHROMA_INSPECTOR_FOLDER: folder }, report: (m) => reported.push(m), note: (l) => notes.push(l) });
    const { client, arrived, close } = clientOf(engine);
    const service = new EngineService({ defaultFolder: folder });
    const direct = createInProcessClient(service);
    try {
      expect(engine.mode).toBe('pool');
      expect(await client.call('defaultFolder', {})).toEqual({ path: folder });
      expect(reported).toEqual([]);
      const opened = await client.call('openFolder', { path: folder });
      expect(reported).toEqual([{ type: 'path-produced', path: opened.info.path }]);
      expect(notes).toEqual([]);
      // defaultFolder's answer crossed as bytes; the open's the pool reads (its handles; the path
      // reported), and it crossed as a plain message.
      expect(answersTo(arrived, 'result').map(isEncodedResult)).toEqual([true, false]);
      const directOpened = await direct.call('openFolder', { path: folder });
      const collection = directOpened.info.tenants[0]!.databases[0]!.collections[0]!;
      const args = { include: ['embeddings', 'documents', 'metadatas', 'uris'], limit: 200 };
      const got = await client.call('get', { handle: opened.handle, collectionId: collection.id, args });
      const expected = await direct.call('get', { handle: directOpened.handle, collectionId: collection.id, args });
      expect(got.ids.length).toBeGreaterThan(0);
      expect(got).toEqual(JSON.parse(JSON.stringify(expected)));
      // The get's answer crossed to the window as its JSON bytes, the host never parsing it; the
      // window's channel decoded it into what the engine answers in-process.
      expect(answersTo(arrived, 'result').map(isEncodedResult)).toEqual([true, false, true]);
      expect(reported, 'a get names no path: only the open was read for one').toHaveLength(1);
      await expect(client.call('count', { handle: opened.handle, collectionId: 'nope' })).rejects.toThrow();
    } finally {
      close();
      direct.close();
      await service.closeAll();
      await engine.close();
      worker.dispose();
    }
  }, 60_000);

  it('falls back to the host thread, with a note, when the worker is missing, and still reports what calls wrote', async () => {
    const out = mkdtempSync(join(tmpdir(), 'chroma-inspector-host-engine-'));
    const reported: PathProduced[] = [];
    const notes: string[] = [];
    const engine = await startHostEngine({
      workerEntry: join(out, 'no-such-engine-worker.js'),
      env: { CHROMA_INSPECTOR_FOLDER: folder, [CALL_TIMEOUT_ENV]: 'soon' },
      report: (m) => reported.push(m),
      note: (l) => notes.push(l),
    });
    const { client, arrived, close } = clientOf(engine);
    try {
      expect(engine.mode).toBe('host-thread');
      expect(notes.join('\n')).toMatch(/engine worker is not built .*no-such-engine-worker\.js.*without time limits/);
      const opened = await client.call('openFolder', { path: folder });
      const outZip = join(out, 'backup.zip');
      const backup = await client.call('backup', { handle: opened.handle, outZip });
      expect(reported.map((r) => r.path)).toEqual([opened.info.path, backup.zip]);
      await expect(client.call('count', { handle: opened.handle, collectionId: 'nope' })).rejects.toThrow();
      expect(reported).toHaveLength(2);
      // This engine's answers are plain messages, which the window's channel takes as they are.
      expect(answersTo(arrived, 'result').some(isEncodedResult)).toBe(false);
    } finally {
      close();
      await engine.close();
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
