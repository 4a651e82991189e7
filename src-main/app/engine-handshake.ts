// The handshake's main side: a host counts as started only once it reported `engine-ready`. An
// exit, a spawn error, an `engine-failed` report or silence all mean no window for this host.
import { isEngineStatus, type EngineStatus } from './engine-readiness.js';

/** What Electron's UtilityProcess and Node's ChildProcess have in common. */
export interface HostProcessLike {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number | null) => void): unknown;
  on(event: 'error', listener: (err: unknown) => void): unknown;
  kill(): unknown;
}

export type EngineReady = Extract<EngineStatus, { type: 'engine-ready' }>;

export function waitForEngineReady(proc: HostProcessLike, timeoutMs: number): Promise<EngineReady> {
  return new Promise((resolve, reject) => {
    // Listeners stay attached after settling (the types of UtilityProcess and ChildProcess share
    // no `off`); the flag makes later events no-ops.
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const onMessage = (message: unknown) => {
      if (!isEngineStatus(message)) return;
      if (message.type === 'engine-ready') settle(() => resolve(message));
      else
        settle(() => {
          proc.kill();
          reject(new Error(message.message));
        });
    };
    const onExit = (code: number | null) => settle(() => reject(new Error(`the engine process exited (code ${code}) before it was ready`)));
    const onError = (err: unknown) =>
      settle(() => reject(new Error(`the engine process could not start: ${err instanceof Error ? err.message : String(err)}`)));
    const timer = setTimeout(
      () =>
        settle(() => {
          proc.kill();
          reject(new Error(`the engine process did not report ready within ${Math.round(timeoutMs / 1000)} s`));
        }),
      timeoutMs,
    );
    proc.on('message', onMessage);
    proc.on('exit', onExit);
    proc.on('error', onError);
  });
}
