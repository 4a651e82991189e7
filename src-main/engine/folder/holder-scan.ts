import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { cancelled } from '../backup/task.js';

/**
 * Which other processes have a file open (Linux: every process's /proc/<pid>/fd links), the check
 * that keeps writes away from a folder a running Chroma holds. It costs one readlink per open file
 * descriptor on the machine: ~16–20 µs each on the bench machine (324 descriptors: 7–10 ms), and
 * a desktop with a browser and an IDE open has tens of thousands. So callers that can wait run it
 * in a worker thread (processesHoldingOffThread) and the engine's thread serves others meanwhile.
 */

/**
 * The scan, as source text: the worker runs it, and so does this thread when it cannot wait or no
 * worker starts (one program, no entry file to ship from sources, dist/ and the Electron asar).
 */
const SCAN_SOURCE = `
function scanHolders(fs, target, selfPid) {
  let procs;
  try {
    procs = fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p));
  } catch {
    return [];
  }
  const pids = [];
  for (const p of procs) {
    const pid = Number(p);
    if (pid === selfPid) continue;
    let fds;
    try {
      fds = fs.readdirSync('/proc/' + p + '/fd');
    } catch {
      continue; // ended meanwhile, or another user's
    }
    for (const fd of fds) {
      try {
        if (fs.readlinkSync('/proc/' + p + '/fd/' + fd) === target) {
          pids.push(pid);
          break;
        }
      } catch {
        // closed meanwhile
      }
    }
  }
  return pids;
}
`;

const PROGRAM = `
const fs = require('node:fs');
const { parentPort } = require('node:worker_threads');
${SCAN_SOURCE}
parentPort.on('message', ({ id, target, selfPid }) => {
  let pids = null;
  try {
    pids = scanHolders(fs, target, selfPid);
  } catch {
    // answered null: the caller scans itself
  }
  parentPort.postMessage({ id, pids });
});
`;

type Scan = (fsModule: typeof fs, target: string, selfPid: number) => number[];
// The same source compiled here: the sync path and the worker cannot drift apart.
const scanHere = new Function(`${SCAN_SOURCE}; return scanHolders;`)() as Scan;

/**
 * Tests turn the worker off (`worker: false`) and count scans by where they ran. The worker stays
 * for `idleMs` after a scan: starting one takes 50–70 ms on the bench machine, a scan there ~8 ms.
 */
export const holderScanTuning = { worker: true, idleMs: 30_000 };
export const holderScanStats = { onThread: 0, offThread: 0, workersStarted: 0 };

/** The real path of `file` to compare fd links with; null where no scan can tell (not Linux, no such file). */
function scanTarget(file: string): string | null {
  if (process.platform !== 'linux' || !fs.existsSync('/proc')) return null;
  try {
    return fs.realpathSync(file);
  } catch {
    return null;
  }
}

/** Other processes that have `file` open, scanned on this thread; empty where that cannot be known. */
export function processesHolding(file: string): number[] {
  const target = scanTarget(file);
  if (target === null) return [];
  holderScanStats.onThread++;
  return scanHere(fs, target, process.pid);
}

/**
 * processesHolding run by a worker thread: this thread is free while it scans. Falls back to the
 * scan here when no worker can start or it fails. Rejects with CANCELLED once `signal` aborts
 * (the worker finishes its scan and the answer is dropped).
 */
export async function processesHoldingOffThread(file: string, signal?: AbortSignal): Promise<number[]> {
  const target = scanTarget(file);
  if (target === null) return [];
  const pids = holderScanTuning.worker ? await scanner.scan(target, signal) : null;
  if (pids !== null) return pids;
  if (signal?.aborted) throw cancelled();
  holderScanStats.onThread++;
  return scanHere(fs, target, process.pid);
}

/** The one scanning worker of this thread, started on first use and ended after a pause. */
class HolderScanner {
  private worker: Worker | null = null;
  private nextId = 0;
  /** Requests waiting for an answer, with the worker each was sent to. */
  private readonly waiting = new Map<number, { worker: Worker; answer: (pids: number[] | null) => void }>();
  private idleTimer: NodeJS.Timeout | null = null;

  /** The holders, or null when the worker could not answer. */
  scan(target: string, signal?: AbortSignal): Promise<number[] | null> {
    if (signal?.aborted) return Promise.reject(cancelled());
    const worker = this.started();
    if (!worker) return Promise.resolve(null);
    this.keepAlive();
    const id = this.nextId++;
    return new Promise<number[] | null>((resolve, reject) => {
      const onAbort = () => {
        this.waiting.delete(id);
        this.idleLater();
        reject(cancelled());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.set(id, {
        worker,
        answer: (pids) => {
          signal?.removeEventListener('abort', onAbort);
          if (pids !== null) holderScanStats.offThread++;
          resolve(pids);
        },
      });
      // Referenced while someone waits (a script awaiting a scan at its top level must not end
      // first), and only then: an idle worker never keeps the process alive (idleLater).
      worker.ref();
      worker.postMessage({ id, target, selfPid: process.pid });
    });
  }

  private started(): Worker | null {
    if (this.worker) return this.worker;
    let worker: Worker;
    try {
      worker = new Worker(PROGRAM, { eval: true });
    } catch {
      return null;
    }
    holderScanStats.workersStarted++;
    worker.on('message', ({ id, pids }: { id: number; pids: number[] | null }) => {
      const request = this.waiting.get(id);
      this.waiting.delete(id);
      request?.answer(pids);
      this.idleLater();
    });
    // An error ends the worker; 'exit' answers whoever still waits on it (they scan themselves).
    worker.on('error', () => {});
    worker.once('exit', () => {
      if (this.worker === worker) this.worker = null;
      for (const [id, request] of this.waiting) {
        if (request.worker !== worker) continue; // sent to the next worker, which answers it
        this.waiting.delete(id);
        request.answer(null);
      }
    });
    // A 'message' listener references the worker: unreferenced again while no one waits.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private idleLater(): void {
    this.keepAlive();
    const worker = this.worker;
    if (!worker || [...this.waiting.values()].some((r) => r.worker === worker)) return;
    worker.unref();
    this.idleTimer = setTimeout(() => {
      if (this.worker === worker) this.worker = null;
      void worker.terminate();
    }, holderScanTuning.idleMs);
    this.idleTimer.unref();
  }

  private keepAlive(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }
}

const scanner = new HolderScanner();
