// The packaged app's engine for real, minus Electron: engine-host.ts, bundled as the build does,
// runs as a "utility process" (fake-utility-process.ts: a Node child with `process.parentPort` and
// MessagePorts relayed to it). Main's side is the real code main.ts wires: the handshake, the
// window's port (utilityEngineHost), and the spawner that starts the pool's SQL processes (each
// the bundled engine-worker in another such process), since a packaged app cannot fork.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitForEngineReady } from '../../../src-main/app/engine-handshake.js';
import { utilityEngineHost } from '../../../src-main/app/engine-host-handle.js';
import { serveEngineProcesses } from '../../../src-main/app/engine-process-spawner.js';
import { referenceFixture } from '../../helpers/paths.js';
import { buildEngineHosts, type BuiltHosts } from './build-hosts.js';
import { fakeChannelMain, fakeUtilityProcess, type FakeUtilityProcess } from './fake-utility-process.js';
import { alive, expectRunawayTimesOut, expectRunningSqlCancels, until, windowClient } from './window-client.js';

let hosts: BuiltHosts;
beforeAll(async () => {
  hosts = await buildEngineHosts();
});
afterAll(() => hosts?.dispose());

// Whatever a failed test left running.
const started: FakeUtilityProcess[] = [];
afterEach(() => {
  for (const p of started.splice(0)) if (p.pid !== undefined) p.kill();
});

const folder = join(referenceFixture('chroma-1.3.4-seed7'), 'data');

// Makes better-sqlite3 fail as a module built for another ABI does.
const BREAK_SQLITE = `
import Module from 'node:module';
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'better-sqlite3') throw new Error('was compiled against a different Node.js version using NODE_MODULE_VERSION 999');
  return load.call(this, request, ...rest);
};`;

/** What main.ts does for the utility candidate: fork the host, serve its SQL process requests. */
function launchPackagedHost(env: NodeJS.ProcessEnv = {}, preload = '') {
  const proc = fakeUtilityProcess(hosts.engineHost, { ...process.env, CHROMA_INSPECTOR_FOLDER: folder, ...env }, preload);
  started.push(proc);
  const sqlProcesses: FakeUtilityProcess[] = [];
  const spawner = serveEngineProcesses(proc, {
    fork: (processEnv) => {
      const p = fakeUtilityProcess(hosts.engineWorker, processEnv);
      sqlProcesses.push(p);
      started.push(p);
      return p;
    },
    createChannel: fakeChannelMain,
    env: process.env,
  });
  return { proc, spawner, sqlProcesses };
}

describe('the utility-process engine host handshake', () => {
  it('reports ready once better-sqlite3 and hnswlib-node load', async () => {
    const { proc } = launchPackagedHost();
    try {
      await expect(waitForEngineReady(proc, 30_000)).resolves.toMatchObject({ type: 'engine-ready', abi: process.versions.modules });
    } finally {
      proc.kill();
      await proc.exited;
    }
  });

  it('reports a module it cannot load instead of crashing, and is killed by main', async () => {
    const { proc } = launchPackagedHost({}, BREAK_SQLITE);
    await expect(waitForEngineReady(proc, 30_000)).rejects.toThrow(/native modules do not load in this runtime .*NODE_MODULE_VERSION 999/);
    await proc.exited;
  });

  it('refuses to run outside a utility process', async () => {
    const child = fork(hosts.engineHost, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    await expect(waitForEngineReady(child, 30_000)).rejects.toThrow(/exited \(code 1\)/);
  });
});

describe('the utility-process engine host serving windows', () => {
  it('runs calls on the worker pool, SQL in processes main starts, with a time limit and a cancel that kill them', async () => {
    const { proc, spawner, sqlProcesses } = launchPackagedHost({ CHROMA_INSPECTOR_CALL_TIMEOUT: '2' });
    await waitForEngineReady(proc, 30_000);
    const host = utilityEngineHost(proc, 5_000);
    const produced: string[] = [];
    host.onPathProduced((p) => produced.push(p));
    const window = () => {
      const { port1, port2 } = fakeChannelMain();
      host.connect(port1);
      return port2;
    };
    const a = windowClient(window());
    const b = windowClient(window());

    const opened = await a.call('openFolder', { path: folder });
    const handle = opened.handle;
    const collectionId = opened.info.tenants.flatMap((t) => t.databases.flatMap((d) => d.collections)).find((c) => c.name === 'articles')!.id;
    // Main learns the folder was opened, so the window may reveal it.
    await until(() => produced.includes(opened.info.path));

    // The pool keeps one SQL process started ahead: main started it on the host's request.
    const live = () => sqlProcesses.filter((p) => p.pid !== undefined);
    await until(() => spawner.count() === 1 && live().length === 1);
    const ok = await a.call('sql', { handle, sql: 'SELECT count(*) AS n FROM collections' });
    expect(ok.columns).toEqual(['n']);
    // One process per statement: the one that answered is ended and a fresh one kept ready.
    await until(() => sqlProcesses.length === 2 && spawner.count() === 1 && live().length === 1);
    expect(await sqlProcesses[0]!.exited).toBeDefined();

    // A runaway statement: stopped at the limit by killing its process; the other window is answered meanwhile.
    const [runner] = live();
    const runnerPid = runner!.pid!;
    await expectRunawayTimesOut(a, b, { handle, collectionId });
    await runner!.exited;
    expect(alive(runnerPid)).toBe(false);
    // Replaced: a fresh one is kept ready again, and SQL still works.
    await until(() => sqlProcesses.length === 3 && spawner.count() === 1 && live().length === 1);
    expect((await a.call('sql', { handle, sql: 'SELECT 1 AS one' })).rows).toEqual([[1]]);

    // Cancel of a running statement kills its process at once.
    await until(() => spawner.count() === 1 && live().length === 1);
    const [cancelled] = live();
    await expectRunningSqlCancels(window(), handle);
    await cancelled!.exited;

    // Quitting: the host closes its pool and ends; main kills whatever SQL process is left.
    a.close();
    b.close();
    host.stop();
    // 0: it ended by itself on main's 'stop' (after closing its pool), not by a kill.
    expect(await proc.exited).toBe(0);
    await Promise.all(sqlProcesses.map((p) => p.exited));
    expect(spawner.count()).toBe(0);
  }, 60_000);
});
