// Starts the Node child host (engine-node-host.ts) with a system Node and waits for its handshake.
// No electron here: the tests fork the built host with the Node running them.
import { fork } from 'node:child_process';
import { waitForEngineReady, type EngineReady } from './engine-handshake.js';
import type { EngineHost } from './engine-host-handle.js';
import { nodeEngineHost } from './node-engine-bridge.js';

export interface NodeEngineOptions {
  nodePath: string;
  /** The built dist/electron/engine-node-host.js. */
  script: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}

export async function launchNodeEngine(o: NodeEngineOptions): Promise<{ host: EngineHost; ready: EngineReady }> {
  const child = fork(o.script, [], {
    execPath: o.nodePath,
    // Structured clone on the channel, as on the MessagePort it stands in for.
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Inherited from Electron's own child-process handling, it would mean nothing to Node; drop it.
    env: { ...o.env, ELECTRON_RUN_AS_NODE: undefined },
  });
  const ready = await waitForEngineReady(child, o.timeoutMs);
  return { host: nodeEngineHost(child), ready };
}
