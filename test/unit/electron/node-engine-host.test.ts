// The development host for real: engine-node-host.ts, bundled as the build does, forked with this
// Node as main forks it with the system Node. Only Electron's MessagePortMain is played by a fake.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineClient } from '../../../shared/client.js';
import type { ClientMessage, MessageChannelLike, ServerMessage } from '../../../shared/protocol.js';
import type { MainPortLike } from '../../../src-main/app/engine-host-handle.js';
import { launchNodeEngine } from '../../../src-main/app/node-engine-launcher.js';
import { referenceFixture } from '../../helpers/paths.js';
import { buildEngineHosts, repoRoot } from './build-hosts.js';

let script: string;
let dispose = () => undefined as void;
beforeAll(async () => {
  const hosts = await buildEngineHosts();
  script = hosts.nodeHost;
  dispose = hosts.dispose;
});
afterAll(() => dispose());

function portPair() {
  const main = new EventEmitter() as EventEmitter & MainPortLike;
  const listeners: ((m: ServerMessage) => void)[] = [];
  const closers: (() => void)[] = [];
  main.postMessage = (m) => listeners.forEach((l) => l(m as ServerMessage));
  main.start = () => undefined;
  main.close = () => closers.forEach((c) => c());
  const window: MessageChannelLike<ClientMessage, ServerMessage> = {
    send: (m) => main.emit('message', { data: m }),
    onMessage: (l) => (listeners.push(l), () => undefined),
    onClose: (l) => (closers.push(l), () => undefined),
  };
  return { main, window };
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
});
