import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorData } from '../../../shared/errors.js';
import { isClientMessage, type ServerMessage } from '../../../shared/protocol.js';
import { decodeResult, isEncodedResult } from '../../../shared/encoded-result.js';
import type { SessionMessage } from '../encoded-result.js';
import type { ConnectSession } from '../engine-session.js';
import type { ServerPolicy } from '../server-policy.js';
import { isBounded, laneFor, mayTerminate, type Lane } from './call-policy.js';
import { startPoolEngine, type PoolEngine, type StartEngine } from './pool-engine.js';

export interface WorkerPoolOptions {
  /** The folder `defaultFolder` answers with. */
  defaultFolder: string | null;
  /** Folders client paths must stay inside; null or absent: any. */
  roots?: readonly string[] | null;
  /** Which Chroma servers clients may open; absent: any. */
  servers?: ServerPolicy | null;
  /** The built engine-worker file; defaults to the one beside this module in dist/. */
  workerEntry?: string;
  /** Read workers kept running; default max(2, cores - 1), so one stuck call never blocks everyone. */
  readWorkers?: number;
  /** Time limit of a read call in ms; null for none. Default 30 s. */
  callTimeoutMs?: number | null;
  /** How long a cancelled call may take to stop by itself before its worker is terminated. */
  cancelGraceMs?: number;
  /** What a TIMEOUT message names as the setting of the limit; default `--call-timeout` (serve). */
  timeoutSetting?: string;
  /** Starts each engine; default startPoolEngine (threads, and forked Node children for SQL). */
  startEngine?: StartEngine;
  /**
   * Sees the value of every call that succeeded, as the client gets it. The Electron hosts tell
   * main from here which paths the engine opened or wrote, the only ones the window may reveal.
   */
  onResult?(method: string, value: unknown): void;
  /** The methods onResult is told of (default: every one). With encodeResults, only these results are parsed back for it. */
  observedMethods?: ReadonlySet<string>;
  /**
   * Engines send each result's value as its JSON text (../encoded-result.ts), and the pool hands
   * it on so to the session's carrier: for a host that sends text (serve), which then never clones
   * or stringifies a large answer on its own thread. The pool parses back the few it reads itself.
   */
  encodeResults?: boolean;
}

export interface WorkerPool {
  connect: ConnectSession;
  /** Pids of the SQL child processes now (the running ones and the one kept ready). */
  sqlPids(): number[];
  /** Stops every engine; the writer first closes its folders (persisting HNSW checkpoints). */
  close(): Promise<void>;
}

export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
const EXTRA_IDLE_MS = 30_000;
const SHUTDOWN_GRACE_MS = 5_000;

/** Where the build puts the worker entry: beside the bundle that contains this module (dist/). */
export const defaultWorkerEntry = () => fileURLToPath(new URL('./engine-worker.js', import.meta.url));

export const defaultReadWorkers = () => Math.max(2, availableParallelism() - 1);

interface SessionState {
  send(m: SessionMessage): void;
  jobs: Map<number, Job>;
}

interface Job {
  session: SessionState;
  id: number;
  method: string;
  input: unknown;
  /** The pool handle the call names, when the pool knows it (translated per engine). */
  poolHandle: string | null;
  /** openFolder: the resolved path being opened. */
  openPath: string | null;
  lane: LaneState;
  slot: Slot | null;
  engineCallId: number | null;
  timer: NodeJS.Timeout | null;
  grace: NodeJS.Timeout | null;
  done: boolean;
}

interface Slot {
  lane: LaneState;
  engine: PoolEngine;
  job: Job | null;
  /** Resolved folder path → this engine's own handle for it (opened lazily on first use). */
  handles: Map<string, string>;
  replies: Map<number, (m: SessionMessage) => void>;
  idleTimer: NodeJS.Timeout | null;
  dead: boolean;
}

interface LaneState {
  name: Lane;
  kind: 'thread' | 'process';
  min: number;
  max: number;
  /** A fresh engine per call (SQL children: killed after each call, so none is ever stale). */
  oneShot: boolean;
  slots: Slot[];
  queue: Job[];
}

const cancelled: ErrorData = { code: 'CANCELLED', message: 'Cancelled' };

/** The methods whose results the pool reads (translate): an encoded one is parsed back first. */
const POOL_READS = new Set(['openFolder', 'openServer', 'setWritable']);

const SERVER_KEY = 'server:';

/**
 * What the pool keys an opened source by: a folder's resolved path, or for a server the open call's
 * whole input (credentials included: they stay in this process's memory), so each engine can open
 * the same source again by itself (reopenCall).
 */
function sourceKey(method: string, input: unknown): string | null {
  if (typeof input !== 'object' || input === null) return null;
  if (method === 'openFolder') {
    const path = (input as { path?: unknown }).path;
    return typeof path === 'string' && path.length > 0 ? resolve(path) : null;
  }
  if (method === 'openServer') return `${SERVER_KEY}${JSON.stringify(input)}`;
  return null;
}

const reopenCall = (key: string): { method: string; input: unknown } =>
  key.startsWith(SERVER_KEY) ? { method: 'openServer', input: JSON.parse(key.slice(SERVER_KEY.length)) as unknown } : { method: 'openFolder', input: { path: key } };

/**
 * The engine off the I/O thread. Each call runs alone on one engine (a worker thread, or a child
 * process for raw SQL), so the server and every other client keep answering while it works; reads
 * have a time limit, and a call that overruns it or ignores a cancel has its engine terminated and
 * replaced. Engines hold their own SQLite connections; the pool hands clients its own folder
 * handles and translates them into each engine's, opening the folder there on first use. A folder
 * whose writes are on is served by the single writer engine only (see call-policy.ts), so the
 * write session and the reads that must see it live in one place.
 */
export function createWorkerPool(options: WorkerPoolOptions): WorkerPool {
  const entry = options.workerEntry ?? defaultWorkerEntry();
  const timeoutMs = options.callTimeoutMs === undefined ? DEFAULT_CALL_TIMEOUT_MS : options.callTimeoutMs;
  const graceMs = options.cancelGraceMs ?? 1000;
  const readers = Math.max(1, options.readWorkers ?? defaultReadWorkers());
  const startEngine = options.startEngine ?? startPoolEngine;
  const timeoutSetting = options.timeoutSetting ?? '--call-timeout';
  const lanes: Record<Lane, LaneState> = {
    read: { name: 'read', kind: 'thread', min: readers, max: readers + 2, oneShot: false, slots: [], queue: [] },
    writer: { name: 'writer', kind: 'thread', min: 0, max: 1, oneShot: false, slots: [], queue: [] },
    // One SQL child is kept started ahead, so a statement does not wait for a process to load.
    sql: { name: 'sql', kind: 'process', min: 1, max: Math.max(2, readers), oneShot: true, slots: [], queue: [] },
  };
  const pathOf = new Map<string, string>();
  const handleOf = new Map<string, string>();
  const writable = new Set<string>();
  let nextEngineCallId = 1;
  let closed = false;

  const spawn = (lane: LaneState): Slot => {
    const slot: Slot = { lane, engine: null as unknown as PoolEngine, job: null, handles: new Map(), replies: new Map(), idleTimer: null, dead: false };
    const setup = { defaultFolder: options.defaultFolder, roots: options.roots ?? null, servers: options.servers ?? null, ...(options.encodeResults ? { encodeResults: true } : {}) };
    slot.engine = startEngine(lane.kind, entry, setup, {
      onMessage: (m) => {
        const reply = slot.replies.get(m.id);
        if (!reply) return;
        if (m.type === 'result') slot.replies.delete(m.id);
        reply(m);
      },
      onExit: (reason) => drop(slot, { code: 'INTERNAL', message: `The engine stopped unexpectedly: ${reason}` }),
    });
    lane.slots.push(slot);
    return slot;
  };

  /** Takes an engine out of service (killing it if it still runs) and fails what it owed. */
  const drop = (slot: Slot, error: ErrorData) => {
    if (slot.dead) return;
    slot.dead = true;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.lane.slots.splice(slot.lane.slots.indexOf(slot), 1);
    slot.engine.kill();
    const replies = [...slot.replies.entries()];
    slot.replies.clear();
    for (const [id, reply] of replies) reply({ type: 'result', id, ok: false, error });
    if (slot.lane.name === 'writer') writesLost();
    if (!closed) {
      while (slot.lane.slots.length < slot.lane.min) spawn(slot.lane);
      pump(slot.lane);
    }
  };

  /** The writer died: its write sessions are gone, and readers may hold folders it changed. */
  const writesLost = () => {
    for (const handle of writable) {
      const path = pathOf.get(handle);
      if (path) forgetOnReaders(path);
    }
    writable.clear();
  };

  /** Readers reopen the folder on next use, so they see what the writer wrote. */
  const forgetOnReaders = (path: string) => {
    for (const slot of lanes.read.slots) {
      const local = slot.handles.get(path);
      if (!local) continue;
      slot.handles.delete(path);
      slot.engine.post({ type: 'call', id: nextEngineCallId++, method: 'closeFolder', input: { handle: local } });
    }
  };

  const engineCall = (slot: Slot, method: string, input: unknown) =>
    new Promise<ServerMessage & { type: 'result' }>((done) => {
      const id = nextEngineCallId++;
      slot.replies.set(id, (m) => {
        if (m.type === 'result') done(isEncodedResult(m) ? (decodeResult(m) as ServerMessage & { type: 'result' }) : m);
      });
      slot.engine.post({ type: 'call', id, method, input });
    });

  const pump = (lane: LaneState) => {
    while (lane.queue.length > 0 && !closed) {
      let slot = lane.slots.find((s) => !s.job && !s.dead);
      if (!slot) {
        if (lane.slots.length >= lane.max) return;
        slot = spawn(lane);
      }
      const job = lane.queue.shift()!;
      void run(job, slot);
    }
  };

  const release = (slot: Slot) => {
    if (slot.dead) return;
    if (slot.lane.oneShot) {
      drop(slot, { code: 'INTERNAL', message: 'The SQL process ended' });
      return;
    }
    if (slot.lane.slots.length > slot.lane.min) {
      // A worker added under load goes once it has been idle a while.
      slot.idleTimer = setTimeout(() => {
        if (!slot.job && slot.lane.slots.length > slot.lane.min) {
          slot.dead = true;
          slot.lane.slots.splice(slot.lane.slots.indexOf(slot), 1);
          void slot.engine.shutdown(SHUTDOWN_GRACE_MS);
        }
      }, EXTRA_IDLE_MS);
      slot.idleTimer.unref();
    }
    pump(slot.lane);
  };

  const finish = (job: Job, message: SessionMessage) => {
    if (job.done) return;
    job.done = true;
    if (job.timer) clearTimeout(job.timer);
    if (job.grace) clearTimeout(job.grace);
    job.session.jobs.delete(job.id);
    const slot = job.slot;
    if (slot) {
      if (job.engineCallId !== null) slot.replies.delete(job.engineCallId);
      if (slot.job === job) {
        slot.job = null;
        release(slot);
      }
    } else {
      const i = job.lane.queue.indexOf(job);
      if (i >= 0) job.lane.queue.splice(i, 1);
    }
    job.session.send(message);
  };

  const fail = (job: Job, error: ErrorData) => finish(job, { type: 'result', id: job.id, ok: false, error });

  /** Stops the engine running `job` and answers the call with `error`. */
  const stop = (job: Job, error: ErrorData) => {
    const slot = job.slot;
    // Out of service first, so nothing queued is handed to the engine being killed.
    if (slot && job.engineCallId !== null) slot.replies.delete(job.engineCallId);
    if (slot && !slot.dead) drop(slot, error);
    fail(job, error);
  };

  const timedOut = (job: Job) => {
    const seconds = Math.round((timeoutMs ?? 0) / 100) / 10;
    const writer = job.lane.name === 'writer' && writable.size > 0;
    stop(job, {
      code: 'TIMEOUT',
      message:
        `The call took longer than ${seconds} s and was stopped (limit set by ${timeoutSetting})` +
        (writer ? '. Writes were switched off for this folder; enable them again to keep editing' : ''),
      details: { method: job.method, limitSeconds: seconds },
    });
  };

  /** What the pool changes in a result: its own handles, and the writable state it tracks. */
  const translate = (job: Job, slot: Slot, value: unknown): unknown => {
    if ((job.method === 'openFolder' || job.method === 'openServer') && job.openPath) {
      const opened = value as { handle: string };
      slot.handles.set(job.openPath, opened.handle);
      let handle = handleOf.get(job.openPath);
      if (!handle) {
        handle = randomUUID();
        handleOf.set(job.openPath, handle);
        pathOf.set(handle, job.openPath);
      }
      return { ...opened, handle, writable: writable.has(handle) };
    }
    if (job.method === 'setWritable' && job.poolHandle) {
      const state = value as { writable: boolean };
      if (state.writable) writable.add(job.poolHandle);
      else if (writable.delete(job.poolHandle)) {
        const path = pathOf.get(job.poolHandle);
        if (path) forgetOnReaders(path);
      }
    }
    return value;
  };

  const observes = (method: string) => options.onResult !== undefined && (options.observedMethods?.has(method) ?? true);
  const observe = (method: string, value: unknown) => {
    if (!observes(method)) return;
    try {
      options.onResult?.(method, value);
    } catch {
      // An observer's failure is its own: the call still gets its answer.
    }
  };

  const run = async (job: Job, slot: Slot) => {
    slot.job = job;
    job.slot = slot;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    // A fresh engine loads first (about a second); the call's own time starts when it can run.
    await slot.engine.ready;
    if (job.done) return;
    if (slot.dead) return fail(job, { code: 'INTERNAL', message: 'The engine could not start' });
    if (timeoutMs !== null && isBounded(job.method)) job.timer = setTimeout(() => timedOut(job), timeoutMs);
    let input = job.input;
    const path = job.poolHandle ? pathOf.get(job.poolHandle) : undefined;
    if (path) {
      let local = slot.handles.get(path);
      if (!local) {
        const reopen = reopenCall(path);
        const opened = await engineCall(slot, reopen.method, reopen.input);
        if (opened.ok) slot.handles.set(path, local = (opened.value as { handle: string }).handle);
        if (job.done) return;
        if (!opened.ok) return fail(job, opened.error);
      }
      input = { ...(input as object), handle: local };
    }
    if (job.done) return;
    const id = nextEngineCallId++;
    job.engineCallId = id;
    slot.replies.set(id, (m) => {
      if (job.done) return;
      if (m.type === 'progress') job.session.send({ ...m, id: job.id });
      else if (!m.ok) fail(job, m.error);
      // Handed on as encoded, unless the pool reads the value (its own handles, the writable state, an observer).
      else if (isEncodedResult(m) && !POOL_READS.has(job.method) && !observes(job.method)) finish(job, { ...m, id: job.id });
      else {
        const plain = isEncodedResult(m) ? decodeResult(m) : m;
        if (plain.type !== 'result') return;
        if (!plain.ok) return fail(job, plain.error);
        const value = translate(job, slot, plain.value);
        observe(job.method, value);
        finish(job, { type: 'result', id: job.id, ok: true, value });
      }
    });
    slot.engine.post({ type: 'call', id, method: job.method, input });
  };

  const cancel = (job: Job) => {
    if (job.done) return;
    const slot = job.slot;
    // Still queued, or still opening its folder: nothing of it runs yet.
    if (!slot || job.engineCallId === null) return fail(job, cancelled);
    slot.engine.post({ type: 'cancel', id: job.engineCallId });
    if (slot.lane.oneShot) return stop(job, cancelled);
    if (!mayTerminate(job.method)) return; // a write finishes; the engine then answers CANCELLED
    job.grace ??= setTimeout(() => {
      if (!job.done) stop(job, cancelled);
    }, graceMs);
  };

  /** closeFolder closes the folder on every engine that opened it; the writer's close is awaited. */
  const closeFolder = async (session: SessionState, id: number, handle: string, path: string) => {
    pathOf.delete(handle);
    handleOf.delete(path);
    writable.delete(handle);
    const closing: Promise<unknown>[] = [];
    for (const lane of Object.values(lanes)) {
      for (const slot of lane.slots) {
        const local = slot.handles.get(path);
        if (!local) continue;
        slot.handles.delete(path);
        const done = engineCall(slot, 'closeFolder', { handle: local });
        if (lane.name === 'writer') closing.push(done);
      }
    }
    await Promise.all(closing);
    session.send({ type: 'result', id, ok: true, value: { closed: true } });
  };

  const handleOfInput = (input: unknown): string | null => {
    const h = typeof input === 'object' && input !== null ? (input as { handle?: unknown }).handle : undefined;
    return typeof h === 'string' && pathOf.has(h) ? h : null;
  };

  const connect: ConnectSession = (rawSend) => {
    const session: SessionState = {
      send: (m) => {
        try {
          rawSend(m);
        } catch {
          // The carrier failed (closed socket): the client sees its channel close.
        }
      },
      jobs: new Map(),
    };
    return {
      receive(raw) {
        if (!isClientMessage(raw)) return;
        if (raw.type === 'cancel') {
          const job = session.jobs.get(raw.id);
          if (job) cancel(job);
          return;
        }
        if (closed) {
          session.send({ type: 'result', id: raw.id, ok: false, error: { code: 'INTERNAL', message: 'The engine is shutting down' } });
          return;
        }
        const poolHandle = handleOfInput(raw.input);
        if (raw.method === 'closeFolder' && poolHandle) {
          void closeFolder(session, raw.id, poolHandle, pathOf.get(poolHandle)!);
          return;
        }
        const openPath = sourceKey(raw.method, raw.input);
        const folderHandle = poolHandle ?? (openPath ? (handleOf.get(openPath) ?? null) : null);
        const lane = lanes[laneFor(raw.method, folderHandle !== null && writable.has(folderHandle))];
        const job: Job = {
          session, id: raw.id, method: raw.method, input: raw.input, poolHandle, openPath, lane,
          slot: null, engineCallId: null, timer: null, grace: null, done: false,
        };
        session.jobs.set(raw.id, job);
        lane.queue.push(job);
        pump(lane);
      },
      close() {
        for (const job of [...session.jobs.values()]) cancel(job);
      },
    };
  };

  for (const lane of [lanes.read, lanes.sql]) while (lane.slots.length < lane.min) spawn(lane);

  return {
    connect,
    sqlPids: () => lanes.sql.slots.map((s) => s.engine.pid).filter((p): p is number => p !== null),
    close: async () => {
      closed = true;
      const stopping: Promise<void>[] = [];
      for (const lane of Object.values(lanes)) {
        for (const job of lane.queue.splice(0)) fail(job, { code: 'INTERNAL', message: 'The engine is shutting down' });
        for (const slot of lane.slots.splice(0)) {
          slot.dead = true;
          if (slot.idleTimer) clearTimeout(slot.idleTimer);
          if (slot.job) {
            if (slot.job.timer) clearTimeout(slot.job.timer);
            if (slot.job.grace) clearTimeout(slot.job.grace);
          }
          // The writer persists its checkpoints; readers and SQL children hold nothing to save.
          if (lane.name === 'writer') stopping.push(slot.engine.shutdown(SHUTDOWN_GRACE_MS));
          else slot.engine.kill();
        }
      }
      await Promise.all(stopping);
    },
  };
}
