import { fork, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import type { SessionMessage } from '../encoded-result.js';
import { resolve } from 'node:path';
import { NATIVE_GUARD_BYTES, quiesceNative } from '../../engine/util/native-guard.js';
import { READY, SHUTDOWN, engineProcessEnv, type WorkerSetup } from './worker-setup.js';

/**
 * One running engine-worker, as the pool sees it: a worker thread, or a child process for work
 * that runs in native code (SQLite) where terminating a thread does not reach.
 */
export interface PoolEngine {
  readonly kind: 'thread' | 'process';
  /** The child's pid (process engines, once known), for tests that check nothing is left running. */
  readonly pid: number | null;
  /** Settles once its code has loaded (or it ended first): a call's time limit starts after. */
  readonly ready: Promise<void>;
  post(message: unknown): void;
  /** Stops it now, whatever it is doing (thread termination / SIGKILL). */
  kill(): void;
  /** Asks it to close its folders and end; kills it if it has not ended within `graceMs`. */
  shutdown(graceMs: number): Promise<void>;
}

export interface PoolEngineEvents {
  onMessage(message: SessionMessage): void;
  /** It ended without being asked (a crash, out of memory): its calls are lost. */
  onExit(reason: string): void;
}

/**
 * How the pool starts an engine. The default forks processes with Node's child_process; a host
 * where that cannot work (a packaged Electron app: its runAsNode fuse is off, and fork relies on
 * it) passes its own, e.g. one that has Electron's main process start them (docs/electron.md).
 */
export type StartEngine = (kind: 'thread' | 'process', entry: string, setup: WorkerSetup, events: PoolEngineEvents) => PoolEngine;

export const startPoolEngine: StartEngine = (kind, entry, setup, events) =>
  kind === 'thread' ? startThread(entry, setup, events) : startProcess(entry, setup, events);

/** How long the pool waits for a thread to leave hnswlib-node's native code before terminating it anyway. */
const NATIVE_EXIT_WAIT_MS = 5_000;

function startThread(entry: string, setup: WorkerSetup, events: PoolEngineEvents): PoolEngine {
  const nativeGuard = new SharedArrayBuffer(NATIVE_GUARD_BYTES);
  const worker = new Worker(resolve(entry), { workerData: { ...setup, nativeGuard } });
  // Cut inside hnswlib-node, the thread would abort the whole process (engine/util/native-guard.ts).
  const terminate = () => {
    quiesceNative(nativeGuard, NATIVE_EXIT_WAIT_MS);
    void worker.terminate();
  };
  let stopping = false;
  let exited = false;
  const ended = new Promise<void>((done) => worker.once('exit', () => done()));
  let loaded = () => undefined as void;
  const ready = new Promise<void>((done) => (loaded = done));
  void ended.then(loaded);
  worker.on('message', (m: SessionMessage | typeof READY) => (m === READY ? loaded() : events.onMessage(m)));
  // An uncaught error ends the thread; 'exit' follows and reports it.
  let lastError = '';
  worker.on('error', (err: unknown) => (lastError = err instanceof Error ? err.message : String(err)));
  worker.once('exit', (code) => {
    exited = true;
    if (!stopping) events.onExit(lastError || `the engine worker exited (code ${code})`);
  });
  return {
    kind: 'thread',
    pid: null,
    ready,
    post: (m) => {
      if (!exited) worker.postMessage(m);
    },
    kill: () => {
      stopping = true;
      terminate();
    },
    shutdown: async (graceMs) => {
      stopping = true;
      if (exited) return;
      worker.postMessage(SHUTDOWN);
      const timer = setTimeout(terminate, graceMs);
      await ended;
      clearTimeout(timer);
    },
  };
}

function startProcess(entry: string, setup: WorkerSetup, events: PoolEngineEvents): PoolEngine {
  const child: ChildProcess = fork(resolve(entry), [], {
    // Structured clone, as between threads: typed arrays and big results survive unchanged.
    serialization: 'advanced',
    env: engineProcessEnv(process.env, setup),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let stopping = false;
  let exited = false;
  const ended = new Promise<void>((done) => child.once('exit', () => done()));
  let loaded = () => undefined as void;
  const ready = new Promise<void>((done) => (loaded = done));
  void ended.then(loaded);
  child.on('message', (m) => (m === READY ? loaded() : events.onMessage(m as SessionMessage)));
  child.on('error', () => undefined);
  child.once('exit', (code, signal) => {
    exited = true;
    if (!stopping) events.onExit(`the SQL process exited (${signal ?? `code ${code}`})`);
  });
  return {
    kind: 'process',
    pid: child.pid ?? null,
    ready,
    post: (m) => {
      if (!exited && child.connected) child.send(m as never);
    },
    kill: () => {
      stopping = true;
      if (!exited) child.kill('SIGKILL');
    },
    shutdown: async (graceMs) => {
      stopping = true;
      if (exited) return;
      if (child.connected) child.send(SHUTDOWN);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await ended;
      clearTimeout(timer);
    },
  };
}
