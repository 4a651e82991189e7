// Electron's utility process and MessagePortMain, played in Node so the packaged app's processes
// run for real minus Electron. A "utility process" is a forked Node child whose
// `process.parentPort` a preload provides; ports main transfers to it are relayed over the IPC
// channel to a local MessageChannel in the child, whose far end it receives. A MessagePortMain
// is a node:worker_threads MessagePort whose 'message' events carry `{ data }` and which delivers
// nothing before start(), as Electron's does.
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { MessageChannel, type MessagePort } from 'node:worker_threads';

export class FakePortMain extends EventEmitter {
  closed = false;
  private started = false;

  constructor(private readonly port: MessagePort) {
    super();
    port.on('close', () => {
      this.closed = true;
      this.emit('close');
    });
  }

  postMessage(message: unknown): void {
    if (!this.closed) this.port.postMessage(message);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.port.on('message', (data: unknown) => this.emit('message', { data }));
  }

  close(): void {
    this.port.close();
  }
}

/** A MessageChannelMain. */
export function fakeChannelMain(): { port1: FakePortMain; port2: FakePortMain } {
  const { port1, port2 } = new MessageChannel();
  return { port1: new FakePortMain(port1), port2: new FakePortMain(port2) };
}

/** Runs in the child before its entry: `process.parentPort` as a utility process has it. */
export const UTILITY_PARENT_PORT = `
import { MessageChannel } from 'node:worker_threads';
const listeners = [];
const local = new Map();
const send = (m) => { if (process.connected) process.send(m); };
function wrap(port) {
  const ls = [];
  let started = false;
  return {
    postMessage: (m) => port.postMessage(m),
    on(event, l) { if (event === 'message') ls.push(l); else port.on(event, l); return this; },
    start() { if (started) return; started = true; port.on('message', (data) => ls.forEach((l) => l({ data, ports: [] }))); },
    close() { port.close(); },
  };
}
// As Electron's, it starts (delivers what was queued) once something listens for 'message'.
const queued = [];
const deliver = (event) => (listeners.length ? listeners.forEach((l) => l(event)) : queued.push(event));
process.parentPort = {
  on(event, l) {
    if (event !== 'message') return this;
    listeners.push(l);
    if (listeners.length === 1) setImmediate(() => queued.splice(0).forEach(deliver));
    return this;
  },
  postMessage(m) { send({ kind: 'parent', data: m }); },
};
// Electron ends utility processes with main: the test process going away ends this one.
process.on('disconnect', () => process.exit(1));
process.on('message', (m) => {
  if (m.kind === 'deliver') {
    const ports = m.relays.map((id) => {
      const { port1, port2 } = new MessageChannel();
      local.set(id, port2);
      port2.on('message', (data) => send({ kind: 'relay', relay: id, data }));
      port2.on('close', () => { if (local.delete(id)) send({ kind: 'relay-close', relay: id }); });
      return wrap(port1);
    });
    deliver({ data: m.data, ports });
  } else if (m.kind === 'relay') local.get(m.relay)?.postMessage(m.data);
  else if (m.kind === 'relay-close') { const p = local.get(m.relay); local.delete(m.relay); p?.close(); }
});
`;

type RelayMessage =
  | { kind: 'parent'; data: unknown }
  | { kind: 'relay'; relay: number; data: unknown }
  | { kind: 'relay-close'; relay: number };

export interface FakeUtilityProcess extends EventEmitter {
  pid: number | undefined;
  postMessage(message: unknown, transfer?: FakePortMain[]): void;
  kill(): boolean;
  /** What the child's entry received as its environment. */
  readonly env: NodeJS.ProcessEnv;
  /** Settles with the exit code once it ended. */
  readonly exited: Promise<number>;
}

const dataUrl = (code: string) => `data:text/javascript,${encodeURIComponent(code)}`;

/** `utilityProcess.fork(script, [], { env })`; `preload` runs before the script, after parentPort is set. */
export function fakeUtilityProcess(script: string, env: NodeJS.ProcessEnv, preload = ''): FakeUtilityProcess {
  const child = fork(script, [], {
    execArgv: ['--import', dataUrl(UTILITY_PARENT_PORT + preload)],
    env,
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const proc = new EventEmitter() as FakeUtilityProcess;
  const relays = new Map<number, FakePortMain>();
  let nextRelay = 1;
  const send = (m: unknown) => {
    if (child.connected) child.send(m as never);
  };
  Object.assign(proc, { pid: undefined, env, exited: new Promise<number>((done) => proc.once('exit', done)) });
  child.once('spawn', () => {
    proc.pid = child.pid;
    proc.emit('spawn');
  });
  child.on('error', () => undefined);
  child.once('exit', (code, signal) => {
    proc.pid = undefined;
    // Electron closes the channels of a process that ended.
    for (const port of relays.values()) port.close();
    relays.clear();
    proc.emit('exit', code ?? (signal ? 1 : 0));
  });
  child.on('message', (raw) => {
    const m = raw as RelayMessage;
    if (m.kind === 'parent') proc.emit('message', m.data);
    else if (m.kind === 'relay') relays.get(m.relay)?.postMessage(m.data);
    else if (m.kind === 'relay-close') {
      const port = relays.get(m.relay);
      relays.delete(m.relay);
      port?.close();
    }
  });
  proc.postMessage = (data, transfer = []) => {
    const ids = transfer.map((port) => {
      const id = nextRelay++;
      relays.set(id, port);
      port.on('message', (e: { data: unknown }) => send({ kind: 'relay', relay: id, data: e.data }));
      port.on('close', () => {
        if (relays.delete(id)) send({ kind: 'relay-close', relay: id });
      });
      port.start();
      return id;
    });
    send({ kind: 'deliver', data, relays: ids });
  };
  // Electron's kill(): SIGTERM on POSIX.
  proc.kill = () => child.kill('SIGTERM');
  return proc;
}
