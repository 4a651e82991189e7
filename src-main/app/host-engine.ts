// How both Electron engine hosts serve their sessions: on the worker pool, as `serve` does, so a
// runaway call (a catastrophic regex, an endless SQL statement) has a time limit and a cancel
// that stops it, and never freezes the other windows. Each call that opened or wrote a path is
// reported to main, which lets the window reveal only such paths (produced-paths.ts).
import { existsSync } from 'node:fs';
import type { CallContext, Handlers } from '../service/dispatcher.js';
import type { ConnectSession } from '../service/engine-session.js';
import type { StartEngine } from '../service/worker-pool/pool-engine.js';
import { createWorkerPool, DEFAULT_CALL_TIMEOUT_MS } from '../service/worker-pool/worker-pool.js';
import { PATH_METHODS, producedPaths, type PathProduced } from './produced-paths.js';

/** Seconds (0: no limit) of each bounded call's time limit in the desktop app. */
export const CALL_TIMEOUT_ENV = 'CHROMA_INSPECTOR_CALL_TIMEOUT';

export function callTimeoutFromEnv(env: NodeJS.ProcessEnv): { ms: number | null; warning: string | null } {
  const raw = env[CALL_TIMEOUT_ENV];
  if (raw === undefined || raw.trim() === '') return { ms: DEFAULT_CALL_TIMEOUT_MS, warning: null };
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) {
    return { ms: DEFAULT_CALL_TIMEOUT_MS, warning: `${CALL_TIMEOUT_ENV}=${raw} is not a number of seconds (0 for no limit); using ${DEFAULT_CALL_TIMEOUT_MS / 1000}` };
  }
  return { ms: seconds > 0 ? seconds * 1000 : null, warning: null };
}

export interface HostEngineOptions {
  /** The built engine-worker.js (dist/, one level above the hosts in dist/electron/). */
  workerEntry: string;
  /** The host's environment: CHROMA_INSPECTOR_FOLDER, CHROMA_INSPECTOR_CALL_TIMEOUT. */
  env: NodeJS.ProcessEnv;
  /** Sends main a message on the host's own channel to it. */
  report(message: PathProduced): void;
  /** The pool's engine launcher (the packaged host's starts SQL processes through main). */
  startEngine?: StartEngine;
  /** A line for stderr. */
  note(line: string): void;
}

export interface HostEngine {
  readonly mode: 'pool' | 'host-thread';
  /**
   * The pool's results come as their JSON bytes (shared/encoded-result.ts), which the hosts post
   * to the window as they are: a large answer is then copied once as bytes on the host's thread,
   * not deserialised from the worker and serialised again for the window, object by object
   * (the window's MessagePort channel decodes them). The host-thread engine's are plain.
   */
  connect: ConnectSession;
  /** Ends the engines; the writer closes its folders first (persisting HNSW checkpoints). */
  close(): Promise<void>;
}

/**
 * The pool when the worker is built (always, in a build: tsup builds it beside the hosts' folder),
 * else the engine on the host's own thread, with a note, as serve-command.ts does.
 */
export async function startHostEngine(o: HostEngineOptions): Promise<HostEngine> {
  const defaultFolder = o.env.CHROMA_INSPECTOR_FOLDER || null;
  const reportPaths = (method: string, value: unknown) => {
    for (const path of producedPaths(method, value)) o.report({ type: 'path-produced', path });
  };
  if (existsSync(o.workerEntry)) {
    const timeout = callTimeoutFromEnv(o.env);
    if (timeout.warning) o.note(`note: ${timeout.warning}`);
    const pool = createWorkerPool({
      defaultFolder,
      workerEntry: o.workerEntry,
      callTimeoutMs: timeout.ms,
      timeoutSetting: CALL_TIMEOUT_ENV,
      startEngine: o.startEngine,
      encodeResults: true,
      onResult: reportPaths,
      observedMethods: PATH_METHODS,
    });
    return { mode: 'pool', connect: pool.connect, close: () => pool.close() };
  }
  o.note(`note: the engine worker is not built (${o.workerEntry}): calls run on the engine host's thread, without time limits`);
  // Loaded only here: the engine imports the native modules at module load.
  const { EngineService } = await import('../service/engine-service.js');
  const { createDispatcher } = await import('../service/dispatcher.js');
  const service = new EngineService({ defaultFolder });
  const observed: Record<string, (input: unknown, ctx: CallContext) => Promise<unknown>> = {};
  for (const [method, handler] of Object.entries(service.handlers()) as [string, (input: unknown, ctx: CallContext) => unknown][]) {
    observed[method] = async (input, ctx) => {
      const value = await handler(input, ctx);
      reportPaths(method, value);
      return value;
    };
  }
  return { mode: 'host-thread', connect: createDispatcher(observed as unknown as Handlers), close: () => service.closeAll() };
}
