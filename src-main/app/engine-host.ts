// The engine's own process in the packaged app (Electron utilityProcess): heavy SQLite and vector
// work never blocks the window. It speaks the same protocol as the WebSocket server, over
// MessagePorts from main. It first proves its native modules load (engine-readiness.ts) and only
// then loads the engine, so a module built for another ABI becomes a clear report to main
// instead of a crash at import time.
import { createRequire } from 'node:module';
import { probeNativeModules } from './engine-readiness.js';

interface PortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  on(event: 'close', listener: () => void): void;
  start(): void;
}

interface ParentPortLike {
  on(event: 'message', listener: (e: { data: unknown; ports: PortLike[] }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
if (!parentPort) throw new Error('engine-host must run in an Electron utility process');

const status = probeNativeModules(createRequire(import.meta.url));
if (status.type === 'engine-failed') {
  // Not process.exit(): the report could be lost in flight. Main kills this process on reading it.
  parentPort.postMessage(status);
} else {
  // Loaded only now: the engine imports the native modules at module load.
  const { EngineService } = await import('../service/engine-service.js');
  const { createDispatcher } = await import('../service/dispatcher.js');
  const service = new EngineService({ defaultFolder: process.env.CHROMA_INSPECTOR_FOLDER ?? null });
  const connect = createDispatcher(service.handlers());

  parentPort.on('message', (e) => {
    const port = e.ports[0];
    if (!port) return;
    const session = connect((m) => port.postMessage(m));
    port.on('message', (msg) => session.receive(msg.data));
    port.on('close', () => session.close());
    port.start();
  });
  parentPort.postMessage(status);
}
