// The development host for real: engine-node-host.ts, bundled as the build does, forked with this
// Node as main forks it with the system Node. Only Electron's MessagePortMain is played by a fake.
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineClient } from '../../../shared/client.js';
import type { MainPortLike } from '../../../src-main/app/engine-host-handle.js';
import { launchNodeEngine } from '../../../src-main/app/node-engine-launcher.js';
import { createMessagePortChannel } from '../../../src-renderer/client/message-port-channel.js';
import { referenceFixture } from '../../helpers/paths.js';
import { buildEngineHosts, repoRoot } from './build-hosts.js';
import { fakeChannelMain } from './fake-utility-process.js';
import { alive, expectRunawayTimesOut, expectRunningSqlCancels, until, windowClient } from './window-client.js';

let script: string;
let dispose = () => undefined as void;
beforeAll(async () => {
  const hosts = await buildEngineHosts();
  script = hosts.nodeHost;
  dispose = hosts.dispose;
});
afterAll(() => dispose());

/** Main's port to the host, and the window's end as the renderer's own channel takes it. */
function portPair() {
  const main = new EventEmitter() as EventEmitter & MainPortLike;
  const closers: (() => void)[] = [];
  const port: Parameters<typeof createMessagePortChannel>[0] = {
    postMessage: (m) => main.emit('message', { data: m }),
    onmessage: null,
    addEventListener: (_type, l) => void closers.push(l),
  };
  main.postMessage = (m) => port.onmessage?.({ data: m });
  main.start = () => undefined;
  main.close = () => closers.forEach((c) => c());
  return { main, window: createMessagePortChannel(port) };
}

describe('the Node child engine host', () => {
  it('reports ready after loading the native modules, then serves a window session', async () => {
    const folder = join(referenceFixture('chroma-1.3.4-seed7'), 'data');
    const { host, ready } = await launchNodeEngine({
      nodePath: process.execPath,
      script,
      env: { ...process.env, CHROMA_INSPECTOR_FOLDER: folder },
      timeoutMs: 30_000,
    });
    expect(ready).toMatchObject({ type: 'engine-ready', abi: process.versions.modules });
    const exited = new Promise<void>((r) => host.onExit(r));
    const { main, window } = portPair();
    host.connect(main);
    const client = createEngineClient(window);
    expect(await client.call('defaultFolder', {})).toEqual({ path: folder });
    const opened = await client.call('openFolder', { path: folder });
    expect(opened.info.tenants.length).toBeGreaterThan(0);
    client.close();
    host.stop();
    await exited;
  });

  it('reports native modules that do not load (as after an ABI mismatch) through the handshake', async () => {
    const breakSqlite = `
import Module from 'node:module';
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'better-sqlite3') throw new Error('compiled against a different Node.js version using NODE_MODULE_VERSION 999');
  return load.call(this, request, ...rest);
};`;
    const env = { ...process.env, NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(breakSqlite)}` };
    await expect(launchNodeEngine({ nodePath: process.execPath, script, env, timeoutMs: 30_000 })).rejects.toThrow(/NODE_MODULE_VERSION 999/);
  });

  it('fails the handshake, not the window, when the host cannot start', async () => {
    await expect(
      launchNodeEngine({ nodePath: join(repoRoot, 'no-such-node'), script, env: process.env, timeoutMs: 10_000 }),
    ).rejects.toThrow(/could not start|exited/);
  });

  it('serves sessions on the worker pool: a runaway SQL call ends at the limit or on cancel, its process killed, while other windows are answered', async () => {
    const folder = join(referenceFixture('chroma-1.3.4-seed7'), 'data');
    const { host, ready } = await launchNodeEngine({
      nodePath: process.execPath,
      script,
      env: { ...process.env, CHROMA_INSPECTOR_FOLDER: folder, CHROMA_INSPECTOR_CALL_TIMEOUT: '2' },
      timeoutMs: 30_000,
    });
    const exited = new Promise<void>((r) => host.onExit(r));
    const produced: string[] = [];
    host.onPathProduced((p) => produced.push(p));
    const window = () => {
      const { port1, port2 } = fakeChannelMain();
      host.connect(port1);
      return port2;
    };
    // The pool's SQL children are the host's child processes (Linux lists them; elsewhere unchecked).
    const childrenFile = `/proc/${ready.pid}/task/${ready.pid}/children`;
    const sqlChildren = () => (existsSync(childrenFile) ? readFileSync(childrenFile, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) : null);
    if (process.platform === 'linux') expect(sqlChildren()).not.toBeNull();

    const a = windowClient(window());
    const b = windowClient(window());
    const opened = await a.call('openFolder', { path: folder });
    const { handle } = opened;
    const collectionId = opened.info.tenants.flatMap((t) => t.databases.flatMap((d) => d.collections)).find((c) => c.name === 'articles')!.id;
    await until(() => produced.includes(opened.info.path));
    if (sqlChildren()) await until(() => sqlChildren()!.length === 1);
    const first = sqlChildren()?.[0];

    await expectRunawayTimesOut(a, b, { handle, collectionId });
    if (first !== undefined) {
      await until(() => !alive(first));
      await until(() => sqlChildren()!.length === 1);
    }
    expect((await a.call('sql', { handle, sql: 'SELECT 1 AS one' })).rows).toEqual([[1]]);

    // Cancel: the client library fails a cancelled call at once; a raw channel waits for the engine.
    if (sqlChildren()) await until(() => sqlChildren()!.length === 1);
    const running = sqlChildren()?.[0];
    await expectRunningSqlCancels(window(), handle);
    if (running !== undefined) await until(() => !alive(running));

    // Quitting: the host closes its pool (no SQL child left behind) and exits.
    const last = sqlChildren() ?? [];
    a.close();
    b.close();
    host.stop();
    await exited;
    for (const pid of last) await until(() => !alive(pid));
  }, 60_000);
});
