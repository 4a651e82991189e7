// The engine in a plain Node child process, for development: `npm install` built the native modules
// for Node, not for Electron, so here they load as installed. Main forks this with the system Node
// and relays each window's MessagePort over the IPC channel (node-engine-bridge.ts). Same handshake
// as the utility-process host, and the same worker pool as `serve` (host-engine.ts): calls run in
// worker threads and raw SQL in forked children, with time limits and a cancel that stops them.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { probeNativeModules } from './engine-readiness.js';
import { serveEngineSessions } from './engine-session-mux.js';
import { startHostEngine } from './host-engine.js';

const send = process.send?.bind(process);
if (!send) throw new Error('engine-node-host must be forked with an IPC channel');

const status = probeNativeModules(createRequire(import.meta.url));
if (status.type === 'engine-failed') {
  send(status, () => process.exit(1));
} else {
  // The build puts this host in dist/electron/ and the pool's worker in dist/.
  const engine = await startHostEngine({
    workerEntry: fileURLToPath(new URL('../engine-worker.js', import.meta.url)),
    env: process.env,
    // After a disconnect, Node would raise the send as an uncaught error.
    report: (m) => void (process.connected && send(m)),
    note: (line) => process.stderr.write(`${line}\n`),
  });
  const sessions = serveEngineSessions(
    { send: (m) => void (process.connected && send(m)), onMessage: (listener) => void process.on('message', listener) },
    engine.connect,
  );
  // Main closed the channel (quit, or main died): close the folders, which persists the HNSW
  // checkpoints of collections written to, stop the pool's threads and SQL children, then exit.
  process.once('disconnect', () => {
    sessions.closeAll();
    void engine.close().finally(() => process.exit(0));
  });
  send(status);
}
