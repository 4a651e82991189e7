// One engine of the worker pool (worker-pool.ts): an EngineService and the contract's dispatcher,
// in a worker thread (reads) or a forked child process (raw SQL, which runs in native code that
// only killing a process can stop). Both carry the same protocol messages; the pool translates
// folder handles, so this engine is the plain in-process one.
import { parentPort, workerData } from 'node:worker_threads';
import { createDispatcher } from '../dispatcher.js';
import { EngineService } from '../engine-service.js';
import { READY, SHUTDOWN, type WorkerSetup } from './worker-setup.js';

interface Carrier {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Ends this engine once its folders are closed (writers persist their checkpoints first). */
  exit(): void;
}

function carrier(): Carrier {
  if (parentPort) {
    const port = parentPort;
    return { send: (m) => port.postMessage(m), onMessage: (l) => void port.on('message', l), exit: () => port.close() };
  }
  const send = process.send?.bind(process);
  if (!send) throw new Error('engine-worker must run in a worker thread or a forked child process');
  // The pool went away (or killed us): nothing is left to answer.
  process.once('disconnect', () => process.exit(0));
  return { send: (m) => void send(m as never), onMessage: (l) => void process.on('message', l), exit: () => process.exit(0) };
}

const setup: WorkerSetup = parentPort
  ? ((workerData as WorkerSetup | undefined) ?? { defaultFolder: null, roots: null })
  : {
      defaultFolder: process.env.CHROMA_INSPECTOR_FOLDER || null,
      roots: process.env.CHROMA_INSPECTOR_ROOTS ? (JSON.parse(process.env.CHROMA_INSPECTOR_ROOTS) as string[]) : null,
    };
const channel = carrier();
const service = new EngineService({ defaultFolder: setup.defaultFolder, roots: setup.roots });
const session = createDispatcher(service.handlers())((m) => channel.send(m));
channel.onMessage((message) => {
  if (message === SHUTDOWN) {
    session.close();
    void service.closeAll().finally(() => channel.exit());
    return;
  }
  session.receive(message);
});
channel.send(READY);
