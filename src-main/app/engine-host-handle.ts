// What main holds once a host passed the handshake, whichever process runs the engine. Structural
// types stand in for Electron's MessagePortMain and UtilityProcess so tests need no Electron.
import type { EngineHostKind } from './engine-launch-plan.js';
import { isPathProduced } from './produced-paths.js';

/** Main's end of a MessageChannelMain (the window holds the other end). */
export interface MainPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  start(): void;
  close(): void;
}

export interface EngineHost {
  readonly kind: EngineHostKind;
  /** Gives one window a fresh engine session over this port. */
  connect(port: MainPortLike): void;
  /** Ends the host; the engine closes its folders (and persists checkpoints) where it can. */
  stop(): void;
  onExit(listener: () => void): void;
  /** A call succeeded that opened or wrote this path (produced-paths.ts): the window may reveal it. */
  onPathProduced(listener: (path: string) => void): void;
}

/** Electron's UtilityProcess as main uses it. */
export interface UtilityProcessLike {
  postMessage(message: unknown, transfer?: unknown[]): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): unknown;
}

/** The utility process takes the port itself: the window talks to the engine without main in between. */
export function utilityEngineHost(proc: UtilityProcessLike, stopGraceMs = 5_000): EngineHost {
  let exited = false;
  proc.on('exit', () => (exited = true));
  return {
    kind: 'utility',
    connect: (port) => proc.postMessage({ type: 'connect' }, [port]),
    stop() {
      if (exited) return;
      // Asked first, so the writer closes its folders (persisting HNSW checkpoints); killed if it hangs.
      proc.postMessage({ type: 'stop' });
      setTimeout(() => {
        if (!exited) proc.kill();
      }, stopGraceMs).unref?.();
    },
    onExit: (listener) => void proc.on('exit', () => listener()),
    onPathProduced: (listener) =>
      void proc.on('message', (m) => {
        if (isPathProduced(m)) listener(m.path);
      }),
  };
}
