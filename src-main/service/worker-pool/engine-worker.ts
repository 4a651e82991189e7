// One engine of the worker pool (worker-pool.ts): an EngineService and the contract's dispatcher,
// in a worker thread (reads), or in a process for raw SQL, which runs in native code that only
// killing a process can stop. That process is a forked Node child (serve, the development host)
// or, in the packaged desktop app, an Electron utility process that main starts for the engine
// host and joins to it by a MessagePort (docs/electron.md). All carry the same protocol messages;
// the pool translates folder handles, so this engine is the plain in-process one.
import { parentPort, workerData } from 'node:worker_threads';
import { createDispatcher } from '../dispatcher.js';
import { EngineService } from '../engine-service.js';
import { setThreadNativeGuard } from '../../engine/util/native-guard.js';
import { isEncodedResult } from '../../../shared/encoded-result.js';
import { encodeResult } from '../encoded-result.js';
import type { ServerMessage } from '../../../shared/protocol.js';
import { READY, SHUTDOWN, setupFromEnv, type WorkerSetup } from './worker-setup.js';

interface Carrier {
  /** `transfer`: buffers of `message` handed over rather than copied, where the carrier can. */
  send(message: unknown, transfer?: ArrayBuffer[]): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Ends this engine once its folders are closed (writers persist their checkpoints first). */
  exit(): void;
}

/** Electron's MessagePortMain, as far as this engine uses it. */
interface EnginePortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  start(): void;
}

/** Electron's `process.parentPort` in a utility process. */
interface UtilityParentPortLike {
  on(event: 'message', listener: (e: { data: unknown; ports: readonly EnginePortLike[] }) => void): unknown;
}

const utilityParent = (process as unknown as { parentPort?: UtilityParentPortLike }).parentPort;

/** Main hands the utility process its end of the channel to the engine host as its first port. */
const firstPort = (parent: UtilityParentPortLike) =>
  new Promise<EnginePortLike>((done) => {
    let taken = false;
    parent.on('message', (e) => {
      const port = e.ports?.[0];
      if (port && !taken) {
        taken = true;
        done(port);
      }
    });
  });

async function carrier(): Promise<Carrier> {
  if (parentPort) {
    const port = parentPort;
    return { send: (m, transfer) => port.postMessage(m, transfer ?? []), onMessage: (l) => void port.on('message', l), exit: () => port.close() };
  }
  if (utilityParent) {
    const port = await firstPort(utilityParent);
    // The host closed its end or died: nothing is left to answer (as 'disconnect' below).
    port.on('close', () => process.exit(0));
    return {
      send: (m) => port.postMessage(m),
      // Started only once listened to, so no message is dispatched before the dispatcher exists.
      onMessage: (l) => {
        port.on('message', (e) => l(e.data));
        port.start();
      },
      exit: () => process.exit(0),
    };
  }
  const send = process.send?.bind(process);
  if (!send) throw new Error('engine-worker must run in a worker thread, a forked child process or an Electron utility process');
  // The pool went away (or killed us): nothing is left to answer.
  process.once('disconnect', () => process.exit(0));
  return { send: (m) => void send(m as never), onMessage: (l) => void process.on('message', l), exit: () => process.exit(0) };
}

const setup: WorkerSetup = parentPort ? ((workerData as WorkerSetup | undefined) ?? { defaultFolder: null, roots: null }) : setupFromEnv(process.env);
if (setup.nativeGuard) setThreadNativeGuard(setup.nativeGuard);
const channel = await carrier();
const service = new EngineService({ defaultFolder: setup.defaultFolder, roots: setup.roots, servers: setup.servers ?? null });
/** A result encoded here (the pool asked for it) travels as bytes handed over, not cloned. */
const send = (m: ServerMessage) => {
  const out = setup.encodeResults ? encodeResult(m) : m;
  channel.send(out, isEncodedResult(out) ? [out.valueJson.buffer as ArrayBuffer] : undefined);
};
const session = createDispatcher(service.handlers())(send);
channel.onMessage((message) => {
  if (message === SHUTDOWN) {
    session.close();
    void service.closeAll().finally(() => channel.exit());
    return;
  }
  session.receive(message);
});
channel.send(READY);
