// Main's side of the packaged app's SQL lane: starts the engine processes the engine host asks for
// (Electron utility processes running dist/engine-worker.js), joins each to the host by a channel,
// kills them when asked, and tells the host when they end. Main picks the script; the host only
// says when, and with which folder. Structural types stand in for Electron's UtilityProcess and
// MessageChannelMain, so this is tested without Electron; main.ts passes the real ones.
import { engineProcessEnv } from '../service/worker-pool/worker-setup.js';
import { isHostEngineRequest, type MainEngineNotice, type SpawnEngineProcess } from './engine-process-messages.js';

/** A MessagePortMain: main only hands the two ends on (and closes one nobody will take). */
export interface TransferablePortLike {
  close(): void;
}

/** The engine host's UtilityProcess as seen from main. */
export interface EngineHostProcessLike<P extends TransferablePortLike> {
  postMessage(message: MainEngineNotice, transfer?: P[]): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
}

/** One engine process (a UtilityProcess running the engine worker). */
export interface EngineProcessLike<P extends TransferablePortLike> {
  readonly pid?: number | undefined;
  postMessage(message: unknown, transfer?: P[]): void;
  on(event: 'spawn', listener: () => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): unknown;
}

export interface EngineProcessSpawnerDeps<P extends TransferablePortLike> {
  /** Starts dist/engine-worker.js in a utility process with this environment. */
  fork(env: NodeJS.ProcessEnv): EngineProcessLike<P>;
  /** A MessageChannelMain. */
  createChannel(): { port1: P; port2: P };
  /** The environment the processes start from (main's, with the engine's settings). */
  env: NodeJS.ProcessEnv;
  /** Most processes at once; a request beyond is answered as an exit. The pool asks for a few. */
  maxProcesses?: number;
  /** After a kill, how long to wait for the exit before `forceKill` (the first kill is SIGTERM). */
  forceKillAfterMs?: number;
  forceKill?(pid: number): void;
  log?(line: string): void;
}

export interface EngineProcessSpawner {
  /** Processes running now (for tests and diagnostics). */
  count(): number;
  /** Kills every process (the host went away: none of them has anyone left to answer). */
  killAll(): void;
}

/** The end the engine process gets (the host gets the other): it waits for it as its first port. */
export const ENGINE_PORT_MESSAGE = { type: 'engine-port' } as const;

const DEFAULT_MAX_PROCESSES = 16;
const DEFAULT_FORCE_KILL_MS = 2_000;

interface Running<P extends TransferablePortLike> {
  proc: EngineProcessLike<P>;
  /** The host's end, until the process is known to run. */
  pending: P | null;
  exited: boolean;
  forceTimer: NodeJS.Timeout | null;
}

export function serveEngineProcesses<P extends TransferablePortLike>(host: EngineHostProcessLike<P>, deps: EngineProcessSpawnerDeps<P>): EngineProcessSpawner {
  const running = new Map<number, Running<P>>();
  const max = deps.maxProcesses ?? DEFAULT_MAX_PROCESSES;
  const forceAfter = deps.forceKillAfterMs ?? DEFAULT_FORCE_KILL_MS;
  let hostGone = false;
  const tell = (message: MainEngineNotice, transfer?: P[]) => {
    if (!hostGone) host.postMessage(message, transfer);
  };

  const spawn = (request: SpawnEngineProcess) => {
    const { id } = request;
    if (running.has(id)) return;
    if (running.size >= max) {
      tell({ type: 'engine-process-exit', id, code: null, error: `too many engine processes (${max})` });
      return;
    }
    let proc: EngineProcessLike<P>;
    try {
      proc = deps.fork(engineProcessEnv(deps.env, request.setup));
    } catch (err) {
      tell({ type: 'engine-process-exit', id, code: null, error: `the SQL process could not start: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    const { port1, port2 } = deps.createChannel();
    const entry: Running<P> = { proc, pending: port2, exited: false, forceTimer: null };
    running.set(id, entry);
    // Queued by Electron until the process runs; the engine waits for this port before anything.
    proc.postMessage(ENGINE_PORT_MESSAGE, [port1]);
    proc.on('spawn', () => {
      const port = entry.pending;
      if (!port || entry.exited) return;
      entry.pending = null;
      tell({ type: 'engine-process', id, pid: proc.pid ?? null }, [port]);
    });
    proc.on('exit', (code) => {
      if (entry.exited) return;
      entry.exited = true;
      if (entry.forceTimer) clearTimeout(entry.forceTimer);
      running.delete(id);
      // Never handed on: nobody else will close it.
      entry.pending?.close();
      entry.pending = null;
      tell({ type: 'engine-process-exit', id, code });
    });
  };

  const kill = (id: number) => {
    const entry = running.get(id);
    if (!entry || entry.exited) return;
    entry.proc.kill();
    // SIGTERM ends a process even inside native SQLite code, unless something traps it: then this.
    if (deps.forceKill && !entry.forceTimer) {
      entry.forceTimer = setTimeout(() => {
        const pid = entry.proc.pid;
        if (!entry.exited && pid !== undefined) {
          deps.log?.(`engine: SQL process ${pid} did not end on kill; forcing it`);
          deps.forceKill!(pid);
        }
      }, forceAfter);
      entry.forceTimer.unref?.();
    }
  };

  const killAll = () => {
    for (const id of [...running.keys()]) kill(id);
  };

  host.on('message', (message) => {
    if (!isHostEngineRequest(message)) return;
    if (message.type === 'spawn-engine-process') spawn(message);
    else kill(message.id);
  });
  host.on('exit', () => {
    hostGone = true;
    killAll();
  });

  return { count: () => running.size, killAll };
}
