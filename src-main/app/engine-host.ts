// The engine's own process in the packaged app (Electron utilityProcess): heavy SQLite and vector
// work never blocks the window. It speaks the same protocol as the WebSocket server, over
// MessagePorts from main. It first proves its native modules load (engine-readiness.ts) and only
// then loads the engine, so a module built for another ABI becomes a clear report to main
// instead of a crash at import time. Calls run on the same worker pool as `serve`
// (host-engine.ts); the pool's SQL processes are utility processes that main starts on this
// host's request, because a packaged app cannot fork (engine-process-client.ts, docs/electron.md).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { probeNativeModules } from './engine-readiness.js';
import { engineProcessLauncher, type EngineProcessPortLike } from './engine-process-client.js';
import { startHostEngine } from './host-engine.js';

interface PortLike extends EngineProcessPortLike {
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

interface ParentPortLike {
  on(event: 'message', listener: (e: { data: unknown; ports: PortLike[] }) => void): unknown;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
if (!parentPort) throw new Error('engine-host must run in an Electron utility process');

const status = probeNativeModules(createRequire(import.meta.url));
if (status.type === 'engine-failed') {
  // Not process.exit(): the report could be lost in flight. Main kills this process on reading it.
  parentPort.postMessage(status);
} else {
  // The engine itself loads in the pool's workers (or, unbuilt, in startHostEngine after this probe).
  const engine = await startHostEngine({
    // The build puts this host in dist/electron/ and the pool's worker in dist/.
    workerEntry: fileURLToPath(new URL('../engine-worker.js', import.meta.url)),
    env: process.env,
    report: (m) => parentPort.postMessage(m),
    startEngine: engineProcessLauncher(parentPort),
    note: (line) => process.stderr.write(`${line}\n`),
  });

  parentPort.on('message', (e) => {
    const type = (e.data as { type?: unknown } | null)?.type;
    // Main is quitting: close the folders (the writer persists its HNSW checkpoints), then end.
    if (type === 'stop') {
      void engine.close().finally(() => process.exit(0));
      return;
    }
    // Main's answers about SQL processes carry ports too: only `connect` is a window.
    const port = e.ports[0];
    if (!port || type !== 'connect') return;
    const session = engine.connect((m) => port.postMessage(m));
    port.on('message', (msg) => session.receive(msg.data));
    port.on('close', () => session.close());
    port.start();
  });
  parentPort.postMessage(status);
}
