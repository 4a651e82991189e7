import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitForEngineReady } from '../../../src-main/app/engine-handshake.js';

/** Plays a UtilityProcess / ChildProcess. */
class FakeProcess extends EventEmitter {
  kill = vi.fn(() => true);
}

const READY = { type: 'engine-ready', abi: '145', sqlite: '3.50.0', pid: 42 } as const;

describe('waiting for the engine host to be ready', () => {
  afterEach(() => vi.useRealTimers());

  it('resolves on engine-ready, ignoring other messages first', async () => {
    const p = new FakeProcess();
    const ready = waitForEngineReady(p, 1000);
    p.emit('message', { type: 'session-message', session: 1, data: {} });
    p.emit('message', READY);
    await expect(ready).resolves.toEqual(READY);
    expect(p.kill).not.toHaveBeenCalled();
  });

  it('rejects with the host message on engine-failed, and kills the host', async () => {
    const p = new FakeProcess();
    const ready = waitForEngineReady(p, 1000);
    p.emit('message', { type: 'engine-failed', message: 'NODE_MODULE_VERSION 115' });
    await expect(ready).rejects.toThrow('NODE_MODULE_VERSION 115');
    expect(p.kill).toHaveBeenCalled();
  });

  it('rejects when the host exits or cannot spawn before it is ready', async () => {
    const exited = new FakeProcess();
    const a = waitForEngineReady(exited, 1000);
    exited.emit('exit', 1);
    await expect(a).rejects.toThrow('exited (code 1) before it was ready');
    const missing = new FakeProcess();
    const b = waitForEngineReady(missing, 1000);
    missing.emit('error', new Error('spawn /usr/bin/node ENOENT'));
    await expect(b).rejects.toThrow('could not start: spawn /usr/bin/node ENOENT');
  });

  it('rejects and kills a host that stays silent', async () => {
    vi.useFakeTimers();
    const p = new FakeProcess();
    const ready = waitForEngineReady(p, 30_000);
    const check = expect(ready).rejects.toThrow('did not report ready within 30 s');
    vi.advanceTimersByTime(30_000);
    await check;
    expect(p.kill).toHaveBeenCalled();
  });

  it('ignores what happens after it settled', async () => {
    const p = new FakeProcess();
    const ready = waitForEngineReady(p, 1000);
    p.emit('message', READY);
    p.emit('exit', 0);
    p.emit('message', { type: 'engine-failed', message: 'late' });
    await expect(ready).resolves.toEqual(READY);
    expect(p.kill).not.toHaveBeenCalled();
  });
});
