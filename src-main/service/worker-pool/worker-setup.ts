/** What a pool engine is started with (worker thread workerData; env for a child process). */
export interface WorkerSetup {
  defaultFolder: string | null;
  /** Folders client paths must stay inside (EngineServiceOptions.roots); null: any. */
  roots: readonly string[] | null;
}

/** The pool's request to close every folder and end; not a protocol message, so never a call. */
export const SHUTDOWN = 'engine-worker:shutdown';

/** Sent by an engine once its code is loaded: call time limits start counting from here. */
export const READY = 'engine-worker:ready';
