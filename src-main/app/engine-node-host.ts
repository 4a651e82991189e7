// The engine in a plain Node child process, for development: `npm install` built the native modules
// for Node, not for Electron, so here they load as installed. Main forks this with the system Node
// and relays each window's MessagePort over the IPC channel (node-engine-bridge.ts). Same handshake
// and the same dispatcher as the utility-process host.
import { createRequire } from 'node:module';
import { probeNativeModules } from './engine-readiness.js';
import { serveEngineSessions } from './engine-session-mux.js';

const send = process.send?.bind(process);
if (!send) throw new Error('engine-node-host must be forked with an IPC channel');

const status = probeNativeModules(createRequire(import.meta.url));
if (status.type === 'engine-failed') {
  send(status, () => process.exit(1));
} else {
  // Loaded only after the probe: the engine imports the native modules at module load.
  const { EngineService } = await import('../service/engine-service.js');
  const { createDispatcher } = await import('../service/dispatcher.js');
  const service = new EngineService({ defaultFolder: process.env.CHROMA_INSPECTOR_FOLDER ?? null });
  const sessions = serveEngineSessions(
    { send: (m) => void send(m), onMessage: (listener) => void process.on('message', listener) },
    createDispatcher(service.handlers()),
  );
  // Main closed the channel (quit, or main died): close the folders, which persists the HNSW
  // checkpoints of collections written to, then exit.
  process.once('disconnect', () => {
    sessions.closeAll();
    void service.closeAll().finally(() => process.exit(0));
  });
  send(status);
}
