// What the packaged engine host (a utility process) and main say about the SQL lane's processes.
// The pool runs raw SQL in a process it can kill, but the packaged app's runAsNode fuse is off, so
// the host cannot fork one: it asks main, which starts an Electron utility process and joins it to
// the host by a MessageChannelMain (engine-process-spawner.ts in main, engine-process-client.ts in
// the host; docs/electron.md). No electron here: both sides are tested with fakes.
import { isWorkerSetup, type WorkerSetup } from '../service/worker-pool/worker-setup.js';

/** Host → main: start an engine process for the pool; `id` names it in every later message. */
export interface SpawnEngineProcess {
  type: 'spawn-engine-process';
  id: number;
  setup: WorkerSetup;
}

/** Host → main: stop it now (a call ran over its limit or was cancelled). */
export interface KillEngineProcess {
  type: 'kill-engine-process';
  id: number;
}

/** Main → host: it runs; the host's end of the channel to it travels as the message's port. */
export interface EngineProcessStarted {
  type: 'engine-process';
  id: number;
  pid: number | null;
}

/** Main → host: it ended (or never started: `error` says why). */
export interface EngineProcessExited {
  type: 'engine-process-exit';
  id: number;
  code: number | null;
  error?: string;
}

export type HostEngineRequest = SpawnEngineProcess | KillEngineProcess;
export type MainEngineNotice = EngineProcessStarted | EngineProcessExited;

const hasId = (value: unknown): value is { type?: unknown; id: number } =>
  typeof value === 'object' && value !== null && Number.isSafeInteger((value as { id?: unknown }).id);

export function isHostEngineRequest(value: unknown): value is HostEngineRequest {
  if (!hasId(value)) return false;
  if (value.type === 'kill-engine-process') return true;
  return value.type === 'spawn-engine-process' && isWorkerSetup((value as { setup?: unknown }).setup);
}

export function isMainEngineNotice(value: unknown): value is MainEngineNotice {
  return hasId(value) && (value.type === 'engine-process' || value.type === 'engine-process-exit');
}
