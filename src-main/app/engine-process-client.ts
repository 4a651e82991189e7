// The packaged engine host's side of the SQL lane: the worker pool's engine launcher, whose
// 'process' engines are utility processes that main starts on request (engine-process-spawner.ts),
// since a packaged app cannot fork (its runAsNode fuse is off). Each is a PoolEngine that behaves
// as pool-engine.ts startProcess does: ready on the engine's READY (or its end), kill now,
// shutdown with a grace, onExit only for an end nobody asked for. Threads start as usual.
import type { ServerMessage } from '../../shared/protocol.js';
import { startPoolEngine, type PoolEngine, type PoolEngineEvents, type StartEngine } from '../service/worker-pool/pool-engine.js';
import { READY, SHUTDOWN } from '../service/worker-pool/worker-setup.js';
import { isMainEngineNotice, type HostEngineRequest } from './engine-process-messages.js';

/** The host's end of the channel to one engine process (Electron's MessagePortMain). */
export interface EngineProcessPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  start(): void;
  close(): void;
}

/** The utility process's `process.parentPort`, the host's line to main. */
export interface HostParentPortLike {
  on(event: 'message', listener: (e: { data: unknown; ports: readonly EngineProcessPortLike[] }) => void): unknown;
  postMessage(message: unknown): void;
}

interface Remote {
  attach(port: EngineProcessPortLike, pid: number | null): void;
  ended(code: number | null, error: string | undefined): void;
}

/**
 * A launcher for `WorkerPoolOptions.startEngine`: threads from `startThreads` (the default's), and
 * 'process' engines through main. Listens on `parentPort` for main's answers about them only.
 */
export function engineProcessLauncher(parentPort: HostParentPortLike, startThreads: StartEngine = startPoolEngine): StartEngine {
  const remotes = new Map<number, Remote>();
  let nextId = 1;
  const request = (m: HostEngineRequest) => parentPort.postMessage(m);

  parentPort.on('message', (e) => {
    const m = e.data;
    if (!isMainEngineNotice(m)) return;
    const remote = remotes.get(m.id);
    if (m.type === 'engine-process') {
      const port = e.ports[0];
      if (remote && port) remote.attach(port, m.pid);
      // An engine already given up on: its port has no one to talk to.
      else port?.close();
      return;
    }
    remotes.delete(m.id);
    remote?.ended(m.code, m.error);
  });

  return (kind, entry, setup, events) => {
    if (kind === 'thread') return startThreads(kind, entry, setup, events);
    const id = nextId++;
    const { engine, remote } = remoteProcess(id, events, request);
    remotes.set(id, remote);
    request({ type: 'spawn-engine-process', id, setup });
    return engine;
  };
}

function remoteProcess(id: number, events: PoolEngineEvents, request: (m: HostEngineRequest) => void): { engine: PoolEngine; remote: Remote } {
  let stopping = false;
  let killed = false;
  let exited = false;
  let port: EngineProcessPortLike | null = null;
  let pid: number | null = null;
  // Posted before main handed the port over: sent as soon as it arrives.
  const queued: unknown[] = [];
  let markEnded = () => undefined as void;
  const ended = new Promise<void>((done) => (markEnded = done));
  let loaded = () => undefined as void;
  const ready = new Promise<void>((done) => (loaded = done));
  void ended.then(loaded);

  const closePort = () => {
    port?.close();
    port = null;
  };

  const remote: Remote = {
    attach(p, processId) {
      // Killed before main answered: its exit is on the way, and nothing is left to say to it.
      if (exited || killed) {
        p.close();
        return;
      }
      port = p;
      pid = processId;
      p.on('message', (e) => (e.data === READY ? loaded() : events.onMessage(e.data as ServerMessage)));
      p.start();
      for (const m of queued.splice(0)) p.postMessage(m);
    },
    ended(code, error) {
      if (exited) return;
      exited = true;
      pid = null;
      closePort();
      markEnded();
      if (!stopping) events.onExit(error ?? `the SQL process exited (code ${code})`);
    },
  };

  const post = (m: unknown) => {
    if (exited || killed) return;
    if (port) port.postMessage(m);
    else queued.push(m);
  };

  const kill = () => {
    stopping = true;
    if (exited) return;
    killed = true;
    queued.length = 0;
    request({ type: 'kill-engine-process', id });
    // Nothing it says now matters; its end comes from main as 'engine-process-exit'.
    closePort();
  };

  const engine: PoolEngine = {
    kind: 'process',
    get pid() {
      return pid;
    },
    ready,
    post,
    kill,
    shutdown: async (graceMs) => {
      stopping = true;
      if (exited) return;
      post(SHUTDOWN);
      const timer = setTimeout(kill, graceMs);
      await ended;
      clearTimeout(timer);
    },
  };
  return { engine, remote };
}
