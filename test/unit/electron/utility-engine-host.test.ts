// The utility-process host's handshake for real, minus Electron: engine-host.ts, bundled as the
// build does, runs in Node with `process.parentPort` played over the IPC channel (no MessagePorts cross it, so
// sessions are covered by the Node host's tests; both use the same dispatcher).
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForEngineReady } from '../../../src-main/app/engine-handshake.js';
import { referenceFixture } from '../../helpers/paths.js';
import { buildEngineHosts } from './build-hosts.js';

let script: string;
let dispose = () => undefined as void;
beforeAll(async () => {
  const hosts = await buildEngineHosts();
  script = hosts.engineHost;
  dispose = hosts.dispose;
});
afterAll(() => dispose());

const FAKE_PARENT_PORT = `
process.parentPort = {
  on(event, listener) { if (event === 'message') process.on('message', (data) => listener({ data, ports: [] })); },
  postMessage(message) { process.send(message); },
};`;
// Makes better-sqlite3 fail as a module built for another ABI does.
const BREAK_SQLITE = `
import Module from 'node:module';
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'better-sqlite3') throw new Error('was compiled against a different Node.js version using NODE_MODULE_VERSION 999');
  return load.call(this, request, ...rest);
};`;

function startHost(preload: string) {
  return fork(script, [], {
    execArgv: ['--import', `data:text/javascript,${encodeURIComponent(preload)}`],
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: { ...process.env, CHROMA_INSPECTOR_FOLDER: join(referenceFixture('chroma-1.3.4-seed7'), 'data') },
  });
}

describe('the utility-process engine host handshake', () => {
  it('reports ready once better-sqlite3 and hnswlib-node load', async () => {
    const child = startHost(FAKE_PARENT_PORT);
    try {
      await expect(waitForEngineReady(child, 30_000)).resolves.toMatchObject({ type: 'engine-ready', abi: process.versions.modules });
    } finally {
      child.kill();
    }
  });

  it('reports a module it cannot load instead of crashing, and is killed by main', async () => {
    const child = startHost(FAKE_PARENT_PORT + BREAK_SQLITE);
    const exited = new Promise((r) => child.once('exit', r));
    await expect(waitForEngineReady(child, 30_000)).rejects.toThrow(/native modules do not load in this runtime .*NODE_MODULE_VERSION 999/);
    await exited;
  });

  it('refuses to run outside a utility process', async () => {
    const child = startHost('');
    await expect(waitForEngineReady(child, 30_000)).rejects.toThrow(/exited \(code 1\)/);
  });
});
