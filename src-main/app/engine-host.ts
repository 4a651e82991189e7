// The engine's own process (Electron utilityProcess): heavy SQLite and vector work never blocks
// the window. It speaks the same protocol as the WebSocket server, over MessagePorts from main.
import { EngineService } from '../service/engine-service.js';
import { createDispatcher } from '../service/dispatcher.js';

interface PortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  on(event: 'close', listener: () => void): void;
  start(): void;
}

interface ParentPortLike {
  on(event: 'message', listener: (e: { data: unknown; ports: PortLike[] }) => void): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
if (!parentPort) throw new Error('engine-host must run in an Electron utility process');

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
