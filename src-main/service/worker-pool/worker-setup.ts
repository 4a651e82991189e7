import { isServerPolicy, type ServerPolicy } from '../server-policy.js';

/** What a pool engine is started with (worker thread workerData; env for a child process). */
export interface WorkerSetup {
  defaultFolder: string | null;
  /** Folders client paths must stay inside (EngineServiceOptions.roots); null: any. */
  roots: readonly string[] | null;
  /** Which servers clients may open (EngineServiceOptions.servers); absent: any. */
  servers?: ServerPolicy | null;
  /** A thread engine's native-call flags (engine/util/native-guard.ts), which the pool waits on before terminating it. */
  nativeGuard?: SharedArrayBuffer;
  /** Results go back as their JSON text (../encoded-result.ts): the pool's host sends them as text. */
  encodeResults?: boolean;
}

/** The pool's request to close every folder and end; not a protocol message, so never a call. */
export const SHUTDOWN = 'engine-worker:shutdown';

/** Sent by an engine once its code is loaded: call time limits start counting from here. */
export const READY = 'engine-worker:ready';

/**
 * The environment a process engine is started with: its setup travels in it, because a process
 * (Node child or Electron utility process) has no workerData.
 */
export function engineProcessEnv(base: NodeJS.ProcessEnv, setup: WorkerSetup): NodeJS.ProcessEnv {
  return {
    ...base,
    CHROMA_INSPECTOR_FOLDER: setup.defaultFolder ?? '',
    CHROMA_INSPECTOR_ROOTS: setup.roots ? JSON.stringify(setup.roots) : '',
    CHROMA_INSPECTOR_SERVERS: setup.servers ? JSON.stringify(setup.servers) : '',
    CHROMA_INSPECTOR_ENCODE_RESULTS: setup.encodeResults ? '1' : '',
  };
}

/** engineProcessEnv read back in the process engine. */
export function setupFromEnv(env: NodeJS.ProcessEnv): WorkerSetup {
  return {
    defaultFolder: env.CHROMA_INSPECTOR_FOLDER || null,
    roots: env.CHROMA_INSPECTOR_ROOTS ? (JSON.parse(env.CHROMA_INSPECTOR_ROOTS) as string[]) : null,
    servers: env.CHROMA_INSPECTOR_SERVERS ? (JSON.parse(env.CHROMA_INSPECTOR_SERVERS) as ServerPolicy) : null,
    encodeResults: env.CHROMA_INSPECTOR_ENCODE_RESULTS === '1',
  };
}

/** Whether a value is a WorkerSetup (it crosses a process boundary in the packaged app). */
export function isWorkerSetup(value: unknown): value is WorkerSetup {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as { defaultFolder?: unknown; roots?: unknown; servers?: unknown; encodeResults?: unknown };
  const folderOk = s.defaultFolder === null || typeof s.defaultFolder === 'string';
  const rootsOk = s.roots === null || (Array.isArray(s.roots) && s.roots.every((r) => typeof r === 'string'));
  const serversOk = s.servers === undefined || s.servers === null || isServerPolicy(s.servers);
  const encodeOk = s.encodeResults === undefined || typeof s.encodeResults === 'boolean';
  return folderOk && rootsOk && serversOk && encodeOk;
}
