// How the Electron hosts serve sessions (host-engine.ts): the worker pool with the time limit
// from the environment, or the engine on the host's thread when the worker is not built; either
// way, each call that opened or wrote a path is reported for main's reveal allow-list.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngineClient, type EngineClient } from '../../../shared/client.js';
import type { ServerMessage } from '../../../shared/protocol.js';
import { CALL_TIMEOUT_ENV, callTimeoutFromEnv, startHostEngine, type HostEngine } from '../../../src-main/app/host-engine.js';
import type { PathProduced } from '../../../src-main/app/produced-paths.js';
import { DEFAULT_CALL_TIMEOUT_MS } from '../../../src-main/service/worker-pool/worker-pool.js';
import { buildEngineWorker } from '../../helpers/build-engine-worker.js';
import { referenceFixture } from '../../helpers/paths.js';

const folder = join(referenceFixture('chroma-1.3.4-seed7'), 'data');

/** An in-memory client on one session of the host's engine. */
function clientOf(engine: HostEngine): EngineClient {
  const listeners: ((m: ServerMessage) => void)[] = [];
  const session = engine.connect((m) => listeners.forEach((l) => l(structuredClone(m))));
  return createEngineClient({ send: (m) => session.receive(structuredClone(m)), onMessage: (l) => (listeners.push(l), () => undefined) });
}

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
    const client = clientOf(engine);
    try {
      expect(engine.mode).toBe('pool');
      expect(await client.call('defaultFolder', {})).toEqual({ path: folder });
      expect(reported).toEqual([]);
      const opened = await client.call('openFolder', { path: folder });
      expect(reported).toEqual([{ type: 'path-produced', path: opened.info.path }]);
      expect(notes).toEqual([]);
    } finally {
      client.close();
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
    const client = clientOf(engine);
    try {
      expect(engine.mode).toBe('host-thread');
      expect(notes.join('\n')).toMatch(/engine worker is not built .*no-such-engine-worker\.js.*without time limits/);
      const opened = await client.call('openFolder', { path: folder });
      const outZip = join(out, 'backup.zip');
      const backup = await client.call('backup', { handle: opened.handle, outZip });
      expect(reported.map((r) => r.path)).toEqual([opened.info.path, backup.zip]);
      await expect(client.call('count', { handle: opened.handle, collectionId: 'nope' })).rejects.toThrow();
      expect(reported).toHaveLength(2);
    } finally {
      client.close();
      await engine.close();
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
