// The pool's engine worker as the packaged app runs its SQL processes: in a utility process
// (fake-utility-process.ts gives it `process.parentPort`), where it waits for main to hand it its
// end of the channel to the engine host, then speaks the pool's protocol over that port.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_PORT_MESSAGE } from '../../../src-main/app/engine-process-spawner.js';
import { READY, SHUTDOWN, engineProcessEnv } from '../../../src-main/service/worker-pool/worker-setup.js';
import { buildEngineWorker } from '../../helpers/build-engine-worker.js';
import { referenceFixture } from '../../helpers/paths.js';
import { fakeChannelMain, fakeUtilityProcess, type FakePortMain, type FakeUtilityProcess } from './fake-utility-process.js';
import { until } from './window-client.js';

let worker: Awaited<ReturnType<typeof buildEngineWorker>>;
beforeAll(async () => {
  worker = await buildEngineWorker();
});
afterAll(() => worker?.dispose());

// Whatever a failed test left running.
const started: FakeUtilityProcess[] = [];
afterEach(() => {
  for (const p of started.splice(0)) if (p.pid !== undefined) p.kill();
});

const folder = join(referenceFixture('chroma-1.3.4-seed7'), 'data');

/** What main's spawner does: start it with the setup in its env, hand it one end of a channel. */
function startEngineProcess() {
  const proc = fakeUtilityProcess(worker.entry, engineProcessEnv(process.env, { defaultFolder: folder, roots: null }));
  started.push(proc);
  const { port1, port2 } = fakeChannelMain();
  proc.postMessage(ENGINE_PORT_MESSAGE, [port1]);
  const received: unknown[] = [];
  const host: FakePortMain = port2;
  host.on('message', (e: { data: unknown }) => received.push(e.data));
  host.start();
  return { proc, host, received };
}

describe('engine-worker in a utility process', () => {
  it('answers over the port main handed it, and ends on SHUTDOWN', async () => {
    const { proc, host, received } = startEngineProcess();
    await until(() => received.includes(READY), 30_000);
    host.postMessage({ type: 'call', id: 1, method: 'defaultFolder', input: {} });
    host.postMessage({ type: 'call', id: 2, method: 'openFolder', input: { path: folder } });
    await until(() => received.length === 3, 30_000);
    expect(received[1]).toEqual({ type: 'result', id: 1, ok: true, value: { path: folder } });
    expect(received[2]).toMatchObject({ type: 'result', id: 2, ok: true, value: { info: { path: folder } } });
    host.postMessage(SHUTDOWN);
    expect(await proc.exited).toBe(0);
  });

  it('ends by itself when the engine host closes its end (the host went away)', async () => {
    const { proc, host, received } = startEngineProcess();
    await until(() => received.includes(READY), 30_000);
    host.close();
    expect(await proc.exited).toBe(0);
  });

  it('ignores what comes on parentPort after its port', async () => {
    const { proc, host, received } = startEngineProcess();
    await until(() => received.includes(READY), 30_000);
    const other = fakeChannelMain();
    proc.postMessage({ type: 'engine-port' }, [other.port1]);
    host.postMessage({ type: 'call', id: 1, method: 'defaultFolder', input: {} });
    await until(() => received.length === 2, 30_000);
    expect(received[1]).toMatchObject({ id: 1, ok: true });
    host.postMessage(SHUTDOWN);
    expect(await proc.exited).toBe(0);
    other.port2.close();
  });
});
