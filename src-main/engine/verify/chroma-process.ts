import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { cancelled, sleep } from '../backup/task.js';
import { makeTempDir, removeQuietly } from '../backup/temp-dir.js';

/** A real Chroma serving a throwaway copy of a folder on loopback. */
export interface RunningChroma {
  url: string;
  pid: number;
  /** The copy it serves, in its own temp folder. */
  copy: string;
  /** 'v2' normally; 'v1' for a pre-1.0 Python Chroma that answers only API v1. */
  api: 'v1' | 'v2';
  logTail(): string;
}

export interface ServeOptions {
  signal: AbortSignal;
  /** Test seam: called with the copy before Chroma starts on it. */
  beforeStart?: (copy: string) => void | Promise<void>;
  /** Test seam: called once the process is spawned. */
  onStarted?: (info: { pid: number; copy: string; port: number }) => void;
}

/** Why Chroma did not come up; the message carries the tail of its log. */
export class ChromaDidNotStart extends Error {}

/** A free TCP port on 127.0.0.1 (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => done(port));
    });
  });
}

const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/**
 * SIGKILL: Chroma ignores SIGTERM and SIGINT, and losing its in-flight work is harmless here (it
 * serves a throwaway copy). The whole process group goes, so a wrapper (the npm CLI is node, the
 * Python one a venv launcher) does not leave the server behind.
 */
function kill(child: ChildProcess): void {
  if (!isRunning(child) || child.pid === undefined) return;
  if (process.platform === 'win32') {
    spawnSync('taskkill', ['/pid', String(child.pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
    return;
  }
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

async function answers(url: string, signal: AbortSignal): Promise<number | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(5_000)]) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return null; // not listening yet
  }
}

/**
 * Copies `dir` into a private temp folder (Chroma writes to any folder it opens: migrations,
 * its WAL purge), starts `executable run --path COPY --host 127.0.0.1 --port N` there and waits
 * for its heartbeat; runs `use` with it; then always kills it, waits for it to exit and removes the
 * copy, also on error and cancel. `signal` aborts everything, including the wait for the heartbeat.
 */
export async function withRealChroma<T>(executable: string, dir: string, opts: ServeOptions, use: (chroma: RunningChroma) => Promise<T>): Promise<T> {
  const { signal } = opts;
  const temp = await makeTempDir('chroma-inspector-real-chroma-');
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  try {
    const copy = join(temp, 'data');
    await cp(dir, copy, { recursive: true });
    if (signal.aborted) throw cancelled();
    await opts.beforeStart?.(copy);
    const log = join(temp, 'chroma.log');
    const port = await freePort();
    const fd = openSync(log, 'w');
    try {
      child = spawn(executable, ['run', '--path', copy, '--host', '127.0.0.1', '--port', String(port)], {
        stdio: ['ignore', fd, fd],
        detached: process.platform !== 'win32', // its own process group, killed as one
        windowsHide: true,
        shell: process.platform === 'win32' && /\.(cmd|bat)$/i.test(executable),
      });
    } finally {
      closeSync(fd);
    }
    const started = child;
    exited = new Promise<void>((done) => {
      if (!isRunning(started)) return done();
      started.once('exit', () => done());
      started.once('error', () => done());
    });
    let spawnError: Error | null = null;
    started.once('error', (err) => (spawnError = err));
    const onAbort = () => kill(started);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      opts.onStarted?.({ pid: started.pid ?? -1, copy, port });
      const tail = () => {
        try {
          return readFileSync(log, 'utf8').slice(-1500).trim();
        } catch {
          return '';
        }
      };
      const url = `http://127.0.0.1:${port}`;
      let api: 'v1' | 'v2' | null = null;
      while (api === null) {
        if (signal.aborted) throw cancelled();
        if (spawnError) throw new ChromaDidNotStart(`${executable} could not be started: ${(spawnError as Error).message}`);
        if (!isRunning(started)) throw new ChromaDidNotStart(`Chroma exited (${started.exitCode ?? started.signalCode}) before answering: ${tail() || 'it printed nothing'}`);
        const v2 = await answers(`${url}/api/v2/heartbeat`, signal);
        if (v2 === 200) api = 'v2';
        else if (v2 !== null && (await answers(`${url}/api/v1/heartbeat`, signal)) === 200) api = 'v1';
        else await sleep(150, signal);
      }
      return await use({ url, pid: started.pid ?? -1, copy, api, logTail: tail });
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  } finally {
    if (child) kill(child);
    // Bounded: a process that survives SIGKILL (it cannot, short of a stuck kernel call) must not hang the caller.
    await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000).unref())]);
    await removeQuietly(temp);
  }
}
