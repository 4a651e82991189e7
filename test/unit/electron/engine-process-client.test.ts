// The packaged host's engine launcher (engine-process-client.ts) with fakes: main's answers are
// played by the test, and each engine process's end of the channel is a real
// node:worker_threads MessagePort (as Electron's MessagePortMain). Then the worker pool with this
// launcher and main's real spawner, its SQL engines played by the test: a hung one is killed at
// the limit, its exit reported, its ports closed, and a fresh one started in its place.
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { ServerMessage } from '../../../shared/protocol.js';
import { engineProcessLauncher, type HostParentPortLike } from '../../../src-main/app/engine-process-client.js';
import { serveEngineProcesses } from '../../../src-main/app/engine-process-spawner.js';
import type { PoolEngine, PoolEngineEvents, StartEngine } from '../../../src-main/service/worker-pool/pool-engine.js';
import { createWorkerPool } from '../../../src-main/service/worker-pool/worker-pool.js';
import { decodeResult, isEncodedResult } from '../../../shared/encoded-result.js';
import { READY, SHUTDOWN } from '../../../src-main/service/worker-pool/worker-setup.js';
import { fakeChannelMain, type FakePortMain } from './fake-utility-process.js';
import { until } from './window-client.js';

const tick = () => new Promise((r) => setImmediate(r));
const SETUP = { defaultFolder: '/data/a', roots: null };

/** The host's `process.parentPort`; `main` plays main's side of it. */
function fakeParentPort() {
  const listeners: ((e: { data: unknown; ports: FakePortMain[] }) => void)[] = [];
  const sent: unknown[] = [];
  const parentPort: HostParentPortLike & { listeners: typeof listeners } = {
    listeners,
    on: (_event, l) => listeners.push(l as (e: { data: unknown; ports: FakePortMain[] }) => void),
    postMessage: (m) => sent.push(m),
  };
  const main = { send: (data: unknown, ports: FakePortMain[] = []) => listeners.forEach((l) => l({ data, ports })) };
  return { parentPort, main, sent };
}

function events() {
  return { onMessage: vi.fn<(m: ServerMessage) => void>(), onExit: vi.fn<(reason: string) => void>() } satisfies PoolEngineEvents;
}

/** The engine process's end: what reached it, and whether its channel closed. */
function engineEnd(port: FakePortMain) {
  const received: unknown[] = [];
  let closed = false;
  port.on('message', (e: { data: unknown }) => received.push(e.data));
  port.on('close', () => (closed = true));
  port.start();
  return { received, closed: () => closed, post: (m: unknown) => port.postMessage(m) };
}

describe("the packaged host's engine launcher", () => {
  it('starts threads as usual', () => {
    const { parentPort, sent } = fakeParentPort();
    const thread = { kind: 'thread' } as PoolEngine;
    const startThreads = vi.fn<StartEngine>(() => thread);
    const ev = events();
    expect(engineProcessLauncher(parentPort, startThreads)('thread', '/dist/engine-worker.js', SETUP, ev)).toBe(thread);
    expect(startThreads).toHaveBeenCalledWith('thread', '/dist/engine-worker.js', SETUP, ev);
    expect(sent).toEqual([]);
  });

  it('asks main for a process, talks over the port main hands back, and is ready on its READY', async () => {
    const { parentPort, main, sent } = fakeParentPort();
    const ev = events();
    const engine = engineProcessLauncher(parentPort)('process', 'ignored', SETUP, ev);
    expect(engine.kind).toBe('process');
    expect(sent).toEqual([{ type: 'spawn-engine-process', id: 1, setup: SETUP }]);
    // Posted before the port arrives: delivered once it does.
    engine.post({ type: 'call', id: 1, method: 'sql', input: {} });
    let ready = false;
    void engine.ready.then(() => (ready = true));
    const { port1, port2 } = fakeChannelMain();
    const far = engineEnd(port2);
    main.send({ type: 'engine-process', id: 1, pid: 321 }, [port1]);
    expect(engine.pid).toBe(321);
    await until(() => far.received.length === 1);
    expect(far.received).toEqual([{ type: 'call', id: 1, method: 'sql', input: {} }]);
    expect(ready).toBe(false);
    far.post(READY);
    await engine.ready;
    far.post({ type: 'result', id: 1, ok: true, value: 42 });
    await until(() => ev.onMessage.mock.calls.length === 1);
    expect(ev.onMessage).toHaveBeenCalledWith({ type: 'result', id: 1, ok: true, value: 42 });
    expect(ev.onExit).not.toHaveBeenCalled();
  });

  it('reports an exit nobody asked for, closes its port, and sends nothing more', async () => {
    const { parentPort, main } = fakeParentPort();
    const ev = events();
    const engine = engineProcessLauncher(parentPort)('process', '', SETUP, ev);
    const { port1, port2 } = fakeChannelMain();
    const far = engineEnd(port2);
    main.send({ type: 'engine-process', id: 1, pid: 5 }, [port1]);
    main.send({ type: 'engine-process-exit', id: 1, code: 9 });
    expect(ev.onExit).toHaveBeenCalledWith('the SQL process exited (code 9)');
    await engine.ready;
    await until(() => far.closed());
    expect(engine.pid).toBeNull();
    engine.post({ type: 'call', id: 2, method: 'sql', input: {} });
    await tick();
    expect(far.received).toEqual([]);
  });

  it('kill asks main to kill it and closes the port; the exit that follows is not reported', async () => {
    const { parentPort, main, sent } = fakeParentPort();
    const ev = events();
    const engine = engineProcessLauncher(parentPort)('process', '', SETUP, ev);
    const { port1, port2 } = fakeChannelMain();
    const far = engineEnd(port2);
    main.send({ type: 'engine-process', id: 1, pid: 5 }, [port1]);
    engine.kill();
    expect(sent.at(-1)).toEqual({ type: 'kill-engine-process', id: 1 });
    await until(() => far.closed());
    main.send({ type: 'engine-process-exit', id: 1, code: 143 });
    expect(ev.onExit).not.toHaveBeenCalled();
  });

  it('killed before main answered: the port that arrives next is closed, nothing is sent on it', async () => {
    const { parentPort, main, sent } = fakeParentPort();
    const ev = events();
    const engine = engineProcessLauncher(parentPort)('process', '', SETUP, ev);
    engine.kill();
    engine.post({ type: 'call', id: 1, method: 'sql', input: {} });
    expect(sent).toEqual([{ type: 'spawn-engine-process', id: 1, setup: SETUP }, { type: 'kill-engine-process', id: 1 }]);
    const { port1, port2 } = fakeChannelMain();
    const far = engineEnd(port2);
    main.send({ type: 'engine-process', id: 1, pid: 5 }, [port1]);
    await until(() => far.closed());
    expect(far.received).toEqual([]);
    main.send({ type: 'engine-process-exit', id: 1, code: 143 });
    await engine.ready;
    expect(ev.onExit).not.toHaveBeenCalled();
  });

  it('an exit before the port (it never started) ends it with main’s reason; a late port is closed', async () => {
    const { parentPort, main } = fakeParentPort();
    const ev = events();
    const engine = engineProcessLauncher(parentPort)('process', '', SETUP, ev);
    main.send({ type: 'engine-process-exit', id: 1, code: null, error: 'too many engine processes (16)' });
    await engine.ready;
    expect(ev.onExit).toHaveBeenCalledWith('too many engine processes (16)');
    const { port1, port2 } = fakeChannelMain();
    const far = engineEnd(port2);
    main.send({ type: 'engine-process', id: 1, pid: 5 }, [port1]);
    await until(() => far.closed());
  });

  it('shutdown asks it to close its folders, and kills it only when it overstays the grace', async () => {
    const { parentPort, main, sent } = fakeParentPort();
    const engine = engineProcessLauncher(parentPort)('process', '', SETUP, events());
    const { port1, port2 } = fakeChannelMain();
    const far = engineEnd(port2);
    main.send({ type: 'engine-process', id: 1, pid: 5 }, [port1]);
    let done = false;
    void engine.shutdown(300).then(() => (done = true));
    await until(() => far.received.includes(SHUTDOWN));
    expect(sent.at(-1)).toEqual({ type: 'spawn-engine-process', id: 1, setup: SETUP });
    await until(() => sent.length === 2);
    expect(sent.at(-1)).toEqual({ type: 'kill-engine-process', id: 1 });
    expect(done).toBe(false);
    main.send({ type: 'engine-process-exit', id: 1, code: 143 });
    await until(() => done);
  });

  it('shutdown of one that ends by itself in time kills nothing', async () => {
    const { parentPort, main, sent } = fakeParentPort();
    const engine = engineProcessLauncher(parentPort)('process', '', SETUP, events());
    const { port1, port2 } = fakeChannelMain();
    const far = engineEnd(port2);
    main.send({ type: 'engine-process', id: 1, pid: 5 }, [port1]);
    const stopped = engine.shutdown(300);
    await until(() => far.received.includes(SHUTDOWN));
    main.send({ type: 'engine-process-exit', id: 1, code: 0 });
    await stopped;
    await new Promise((r) => setTimeout(r, 400));
    expect(sent).toEqual([{ type: 'spawn-engine-process', id: 1, setup: SETUP }]);
  });

  it("ignores main's other messages and notices about engines it does not know", async () => {
    const { parentPort, main } = fakeParentPort();
    engineProcessLauncher(parentPort);
    const window = fakeChannelMain();
    const windowEnd = engineEnd(window.port2);
    // A window's port is the host's business, not the launcher's: left open.
    main.send({ type: 'connect' }, [window.port1]);
    const stray = fakeChannelMain();
    const strayEnd = engineEnd(stray.port2);
    main.send({ type: 'engine-process', id: 99, pid: 1 }, [stray.port1]);
    main.send({ type: 'engine-process-exit', id: 98, code: 0 });
    await until(() => strayEnd.closed());
    await tick();
    expect(windowEnd.closed()).toBe(false);
    window.port1.close();
  });
});

/** A SQL engine process played by the test: READY, then it answers `SELECT 1` and hangs on anything else. */
class PlayedEngineProcess extends EventEmitter {
  pid: number | undefined = undefined;
  static nextPid = 1000;
  port: FakePortMain | null = null;
  kill = vi.fn(() => {
    setImmediate(() => this.end(143));
    return true;
  });
  postMessage(_message: unknown, transfer?: FakePortMain[]) {
    const port = transfer?.[0];
    if (!port) return;
    this.port = port;
    port.on('message', (e: { data: unknown }) => {
      const m = e.data as { type: string; id: number; input?: { sql?: string } };
      if (m.type === 'call' && m.input?.sql === 'SELECT 1') port.postMessage({ type: 'result', id: m.id, ok: true, value: { columns: ['1'], rows: [[1]] } });
    });
    port.start();
    setImmediate(() => {
      this.pid = PlayedEngineProcess.nextPid++;
      this.emit('spawn');
      port.postMessage(READY);
    });
  }
  end(code: number) {
    if (this.pid === undefined) return;
    this.pid = undefined;
    // Electron closes the channel of a process that ended.
    this.port?.close();
    this.emit('exit', code);
  }
}

describe('the worker pool with the launcher and main’s spawner', () => {
  it('kills a hung SQL engine at the limit, reports its exit, closes its ports and starts a fresh one', async () => {
    const { parentPort } = fakeParentPort();
    // Main's UtilityProcess for the host, wired to the host's parentPort.
    const hostProcess = Object.assign(new EventEmitter(), {
      postMessage: (data: unknown, transfer?: FakePortMain[]) => setImmediate(() => parentPort.listeners.forEach((l) => l({ data, ports: transfer ?? [] }))),
    });
    parentPort.postMessage = (m) => setImmediate(() => hostProcess.emit('message', m));
    const engines: PlayedEngineProcess[] = [];
    const spawner = serveEngineProcesses(hostProcess, {
      fork: () => {
        const p = new PlayedEngineProcess();
        engines.push(p);
        return p;
      },
      createChannel: fakeChannelMain,
      env: {},
    });
    const idleThread: StartEngine = (kind) => ({ kind, pid: null, ready: Promise.resolve(), post: () => undefined, kill: () => undefined, shutdown: async () => undefined });
    const pool = createWorkerPool({ defaultFolder: null, readWorkers: 1, callTimeoutMs: 300, timeoutSetting: 'TEST_LIMIT', startEngine: engineProcessLauncher(parentPort, idleThread) });
    const answers: ServerMessage[] = [];
    const session = pool.connect((m) => answers.push(isEncodedResult(m) ? decodeResult(m) : m));
    try {
      await until(() => engines.length === 1 && engines[0]!.pid !== undefined);
      session.receive({ type: 'call', id: 1, method: 'sql', input: { handle: 'h', sql: 'SELECT 1' } });
      await until(() => answers.length === 1);
      expect(answers[0]).toMatchObject({ id: 1, ok: true, value: { rows: [[1]] } });
      // One process per statement: the one that answered is killed, and a fresh one is started.
      await until(() => engines.length === 2 && engines[0]!.pid === undefined && engines[1]!.pid !== undefined);
      expect(engines[0]!.kill).toHaveBeenCalled();

      session.receive({ type: 'call', id: 2, method: 'sql', input: { handle: 'h', sql: 'hang' } });
      await until(() => answers.length === 2);
      expect(answers[1]).toMatchObject({ id: 2, ok: false, error: { code: 'TIMEOUT', message: expect.stringMatching(/TEST_LIMIT/) } });
      const hung = engines[1]!;
      await until(() => hung.pid === undefined);
      expect(hung.kill).toHaveBeenCalled();
      expect(hung.port!.closed).toBe(true);
      await until(() => engines.length === 3 && engines[2]!.pid !== undefined && spawner.count() === 1);
      // The pool learns the fresh engine's pid from the launcher a moment after the spawner has it.
      await until(() => pool.sqlPids().length === 1).catch(() => undefined);
      expect(pool.sqlPids()).toEqual([engines[2]!.pid]);
    } finally {
      await pool.close();
    }
    await until(() => spawner.count() === 0);
  });
});
