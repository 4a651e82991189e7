// Main's side of the packaged app's SQL lane (engine-process-spawner.ts) with fakes for Electron's
// UtilityProcess and MessageChannelMain: what it starts, what it hands on, what it kills.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ENGINE_PORT_MESSAGE, serveEngineProcesses, type EngineProcessLike } from '../../../src-main/app/engine-process-spawner.js';

class FakePort {
  closed = false;
  constructor(readonly name: string) {}
  close() {
    this.closed = true;
  }
}

/** A UtilityProcess: records what it was sent; the test makes it spawn and exit. */
class FakeProcess extends EventEmitter implements EngineProcessLike<FakePort> {
  pid: number | undefined = undefined;
  sent: { message: unknown; transfer?: FakePort[] }[] = [];
  kill = vi.fn(() => true);
  constructor(readonly env: NodeJS.ProcessEnv) {
    super();
  }
  postMessage(message: unknown, transfer?: FakePort[]) {
    this.sent.push({ message, transfer });
  }
  spawned(pid: number) {
    this.pid = pid;
    this.emit('spawn');
  }
  exited(code: number) {
    this.pid = undefined;
    this.emit('exit', code);
  }
}

function setup(options: { maxProcesses?: number; forceKill?: (pid: number) => void; fork?: (env: NodeJS.ProcessEnv) => FakeProcess } = {}) {
  const host = new FakeProcess({});
  const processes: FakeProcess[] = [];
  const hostEnds: FakePort[] = [];
  let channels = 0;
  const spawner = serveEngineProcesses(host, {
    fork:
      options.fork ??
      ((env) => {
        const p = new FakeProcess(env);
        processes.push(p);
        return p;
      }),
    createChannel: () => {
      channels++;
      const port2 = new FakePort(`host-${channels}`);
      hostEnds.push(port2);
      return { port1: new FakePort(`engine-${channels}`), port2 };
    },
    env: { KEEP: 'me', CHROMA_INSPECTOR_FOLDER: '/start' },
    maxProcesses: options.maxProcesses,
    forceKill: options.forceKill,
    forceKillAfterMs: 2_000,
  });
  const fromHost = (m: unknown) => host.emit('message', m);
  const toHost = () => host.sent;
  return { host, processes, hostEnds, spawner, fromHost, toHost };
}

const spawnRequest = (id: number, defaultFolder: string | null = '/data/a', roots: string[] | null = null) => ({ type: 'spawn-engine-process', id, setup: { defaultFolder, roots } });

afterEach(() => vi.useRealTimers());

describe("main's engine process spawner", () => {
  it('starts a process with the setup in its environment, hands it one end and the host the other once it runs', () => {
    const { processes, spawner, fromHost, toHost } = setup();
    fromHost(spawnRequest(1, '/data/a', ['/data']));
    expect(processes).toHaveLength(1);
    const p = processes[0]!;
    expect(p.env).toMatchObject({ KEEP: 'me', CHROMA_INSPECTOR_FOLDER: '/data/a', CHROMA_INSPECTOR_ROOTS: '["/data"]' });
    expect(p.sent).toEqual([{ message: ENGINE_PORT_MESSAGE, transfer: [expect.objectContaining({ name: 'engine-1' })] }]);
    // Nothing for the host until the process runs.
    expect(toHost()).toEqual([]);
    p.spawned(4242);
    expect(toHost()).toEqual([{ message: { type: 'engine-process', id: 1, pid: 4242 }, transfer: [expect.objectContaining({ name: 'host-1' })] }]);
    expect(spawner.count()).toBe(1);
  });

  it('kills on request and relays the exit; the process is gone from its count', () => {
    const { processes, spawner, fromHost, toHost } = setup();
    fromHost(spawnRequest(1));
    const p = processes[0]!;
    p.spawned(10);
    fromHost({ type: 'kill-engine-process', id: 1 });
    expect(p.kill).toHaveBeenCalledTimes(1);
    p.exited(143);
    expect(toHost().at(-1)).toEqual({ message: { type: 'engine-process-exit', id: 1, code: 143 }, transfer: undefined });
    expect(spawner.count()).toBe(0);
    // A late kill for it does nothing.
    fromHost({ type: 'kill-engine-process', id: 1 });
    expect(p.kill).toHaveBeenCalledTimes(1);
  });

  it('reports a crash the host did not ask for, just the same', () => {
    const { processes, fromHost, toHost } = setup();
    fromHost(spawnRequest(3));
    processes[0]!.spawned(11);
    processes[0]!.exited(9);
    expect(toHost().at(-1)!.message).toEqual({ type: 'engine-process-exit', id: 3, code: 9 });
  });

  it('closes the host end of a process that ended before it ran, and reports only the exit', () => {
    const { processes, hostEnds, fromHost, toHost } = setup();
    fromHost(spawnRequest(1));
    expect(hostEnds[0]!.closed).toBe(false);
    processes[0]!.exited(1);
    expect(toHost()).toEqual([{ message: { type: 'engine-process-exit', id: 1, code: 1 }, transfer: undefined }]);
    // The end meant for the host was never handed on: main closed it, and never hands it on later.
    expect(hostEnds[0]!.closed).toBe(true);
    processes[0]!.emit('spawn');
    expect(toHost()).toHaveLength(1);
  });

  it('answers a process that cannot start with an exit carrying the reason', () => {
    const { fromHost, toHost, spawner } = setup({
      fork: () => {
        throw new Error('no such file');
      },
    });
    fromHost(spawnRequest(1));
    expect(toHost()).toEqual([{ message: { type: 'engine-process-exit', id: 1, code: null, error: 'the SQL process could not start: no such file' }, transfer: undefined }]);
    expect(spawner.count()).toBe(0);
  });

  it('forces a process that ignores its kill, after the grace', () => {
    vi.useFakeTimers();
    const forceKill = vi.fn();
    const { processes, fromHost } = setup({ forceKill });
    fromHost(spawnRequest(1));
    processes[0]!.spawned(77);
    fromHost({ type: 'kill-engine-process', id: 1 });
    vi.advanceTimersByTime(1_999);
    expect(forceKill).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(forceKill).toHaveBeenCalledWith(77);
  });

  it('does not force a process that ended in time', () => {
    vi.useFakeTimers();
    const forceKill = vi.fn();
    const { processes, fromHost } = setup({ forceKill });
    fromHost(spawnRequest(1));
    processes[0]!.spawned(78);
    fromHost({ type: 'kill-engine-process', id: 1 });
    processes[0]!.exited(0);
    vi.advanceTimersByTime(5_000);
    expect(forceKill).not.toHaveBeenCalled();
  });

  it('kills every process when the host exits, and tells the dead host nothing', () => {
    const { host, processes, fromHost, toHost } = setup();
    fromHost(spawnRequest(1));
    fromHost(spawnRequest(2));
    processes[0]!.spawned(1);
    const before = toHost().length;
    host.exited(0);
    expect(processes.map((p) => p.kill.mock.calls.length)).toEqual([1, 1]);
    processes[1]!.spawned(2);
    processes[0]!.exited(0);
    processes[1]!.exited(0);
    expect(toHost()).toHaveLength(before);
  });

  it('caps the processes at once, and ignores malformed or repeated requests', () => {
    const { processes, fromHost, toHost, spawner } = setup({ maxProcesses: 2 });
    fromHost(spawnRequest(1));
    fromHost(spawnRequest(1));
    fromHost(spawnRequest(2));
    fromHost(spawnRequest(3));
    expect(processes).toHaveLength(2);
    expect(toHost().at(-1)!.message).toMatchObject({ type: 'engine-process-exit', id: 3, code: null, error: expect.stringMatching(/too many/) });
    for (const bad of [null, 'spawn', { type: 'spawn-engine-process', id: 'x', setup: {} }, { type: 'spawn-engine-process', id: 9, setup: { defaultFolder: 1, roots: null } }, { type: 'connect', id: 4 }]) {
      fromHost(bad);
    }
    expect(processes).toHaveLength(2);
    expect(spawner.count()).toBe(2);
  });
});
