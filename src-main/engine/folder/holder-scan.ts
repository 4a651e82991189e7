import type * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { cancelled } from '../backup/task.js';
import { childProcessModule, workerThreadsModule } from '../util/node-on-demand.js';

/**
 * Which other processes have a file open, the check that keeps writes away from a folder a running
 * Chroma holds. On Linux it reads every process's /proc/<pid>/fd links: one readlink per open file
 * descriptor on the machine, ~16–20 µs each on the bench machine (324 descriptors: 7–10 ms), and a
 * desktop with a browser and an IDE open has tens of thousands. Where there is no /proc (macOS,
 * the BSDs) it asks `lsof -t`, which macOS ships (a process start: tens of milliseconds or more).
 * Windows has neither: nothing is found there. So callers that can wait run it in a worker thread
 * (processesHoldingOffThread) and the engine's thread serves others meanwhile.
 */

/** How the scan looks: `proc` (Linux), `lsof` (elsewhere, where it is installed), `none`. */
export type ScanMethod = 'proc' | 'lsof' | 'none';

/**
 * The scan, as source text: the worker runs it, and so does this thread when it cannot wait or no
 * worker starts (one program, no entry file to ship from sources, dist/ and the Electron asar).
 * What it cannot read (another user's processes, no lsof) it does not report.
 */
const SCAN_SOURCE = `
function scanHolders(fs, childProcess, method, target, selfPid) {
  return method === 'proc' ? scanProc(fs, target, selfPid) : method === 'lsof' ? scanLsof(childProcess, target, selfPid) : [];
}
function scanProc(fs, target, selfPid) {
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
// The holders' command lines, for the messages that name them: /proc on Linux, else one ps for all.
function nameHolders(fs, childProcess, method, pids) {
  const names = {};
  if (pids.length === 0 || method === 'none') return names;
  if (method === 'proc') {
    for (const pid of pids) {
      try {
        const command = fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\\0').filter(Boolean).join(' ');
        if (command) names[pid] = command;
      } catch {
        // ended meanwhile
      }
    }
    return names;
  }
  // An app started from the macOS Finder may not have /bin on its PATH. -ww: never cut to a width.
  for (const ps of ['/bin/ps', '/usr/bin/ps', 'ps']) {
    let out;
    try {
      out = childProcess.execFileSync(ps, ['-ww', '-o', 'pid=,command=', '-p', pids.join(',')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    } catch (err) {
      if (err && (err.code === 'ENOENT' || err.code === 'EACCES')) continue;
      out = err && typeof err.stdout === 'string' ? err.stdout : ''; // status 1: some ended meanwhile
    }
    for (const line of out.split('\\n')) {
      const m = /^\\s*(\\d+)\\s+(.*\\S)\\s*$/.exec(line);
      if (m) names[m[1]] = m[2];
    }
    return names;
  }
  return names;
}
function scanLsof(childProcess, target, selfPid) {
  // An app started from the macOS Finder may not have /usr/sbin on its PATH.
  for (const lsof of ['/usr/sbin/lsof', '/usr/bin/lsof', 'lsof']) {
    let out;
    try {
      // -w: no warnings. The time limit: lsof can hang on a stale network mount.
      out = childProcess.execFileSync(lsof, ['-w', '-t', '--', target], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20000 });
    } catch (err) {
      if (err && (err.code === 'ENOENT' || err.code === 'EACCES')) continue;
      // Status 1: no process has it open (or none that this user may see); what it listed
      // before a failure still counts. Killed (the time limit): nothing known.
      out = err && typeof err.stdout === 'string' ? err.stdout : '';
    }
    return out.split('\\n').map(Number).filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== selfPid);
  }
  return [];
}
`;

// `cell`: 0 while the request waits in the worker's queue; the worker sets 1 as it starts the scan,
// and skips a request whose every caller has cancelled meanwhile (2).
const PROGRAM = `
const fs = require('node:fs');
const childProcess = require('node:child_process');
const { parentPort } = require('node:worker_threads');
${SCAN_SOURCE}
parentPort.on('message', ({ id, method, target, selfPid, cell }) => {
  if (Atomics.compareExchange(cell, 0, 0, 1) !== 0) {
    parentPort.postMessage({ id, pids: null, skipped: true });
    return;
  }
  let pids = null;
  let names = {};
  try {
    pids = scanHolders(fs, childProcess, method, target, selfPid);
    names = nameHolders(fs, childProcess, method, pids);
  } catch {
    // answered null: the caller scans itself
  }
  parentPort.postMessage({ id, pids, names });
});
`;

type Scan = (fsModule: typeof fs, childProcessModule: typeof childProcess, method: ScanMethod, target: string, selfPid: number) => number[];
type NameHolders = (fsModule: typeof fs, childProcessModule: typeof childProcess, method: ScanMethod, pids: number[]) => Record<string, string>;
/** What the scan calls of node:child_process (lsof and ps, never on Linux), loaded only then. */
const childProcessOnDemand = {
  execFileSync: (...args: Parameters<typeof childProcess.execFileSync>) => childProcessModule().execFileSync(...args),
} as typeof childProcess;
// The same source compiled here: the sync path and the worker cannot drift apart.
const compiled = new Function(`${SCAN_SOURCE}; return { scanHolders, nameHolders };`)() as { scanHolders: Scan; nameHolders: NameHolders };

/** A scan on this thread, its holders named. */
function scanHere(method: ScanMethod, target: string): number[] {
  const pids = compiled.scanHolders(fs, childProcessOnDemand, method, target, process.pid);
  // Named here only from /proc: ps is a process start, which only the worker may wait for.
  remember(pids, method === 'proc' ? compiled.nameHolders(fs, childProcessOnDemand, method, pids) : {});
  return pids;
}

/** The command lines the latest scans found for their holders (a few: the processes holding a folder). */
const commandByPid = new Map<number, string>();
const REMEMBERED_COMMANDS = 64;

/** What a scan found: its holders' names, and no name for a holder it could not name (its pid may be another program's now). */
function remember(pids: readonly number[] | null, names: Record<string, string> | undefined): void {
  for (const pid of pids ?? []) {
    commandByPid.delete(pid);
    const command = names?.[pid];
    if (command === undefined) continue;
    commandByPid.set(pid, command);
    if (commandByPid.size > REMEMBERED_COMMANDS) commandByPid.delete(commandByPid.keys().next().value!);
  }
}

/**
 * The command line of a process a scan found holding a file, as that scan read it (so messages
 * name it without starting `ps` on this thread); undefined for one no scan named.
 */
export function holderCommand(pid: number): string | undefined {
  return commandByPid.get(pid);
}

/** A process's command line read from /proc now (Linux; the scan's own reader), or undefined. */
export function procCommand(pid: number): string | undefined {
  return compiled.nameHolders(fs, childProcessOnDemand, 'proc', [pid])[pid];
}

/**
 * Tests turn the worker off (`worker: false`), choose the method (`method`, else the platform's)
 * and count scans by where they ran. The worker stays for `idleMs` after a scan: starting one
 * takes 50–70 ms on the bench machine, a scan there ~8 ms.
 */
export const holderScanTuning: { worker: boolean; idleMs: number; method?: ScanMethod } = { worker: true, idleMs: 30_000 };
export const holderScanStats = { onThread: 0, offThread: 0, workersStarted: 0, shared: 0, skipped: 0 };

/** The platform's way to look: /proc where there is one, none on Windows, lsof elsewhere. */
export function scanMethod(): ScanMethod {
  if (holderScanTuning.method) return holderScanTuning.method;
  if (process.platform === 'win32') return 'none';
  return process.platform === 'linux' && fs.existsSync('/proc/self/fd') ? 'proc' : 'lsof';
}

/** How to look, and the real path of `file` to look for; null where nothing can tell (Windows, no such file). */
function scanTarget(file: string): { method: ScanMethod; target: string } | null {
  const method = scanMethod();
  if (method === 'none') return null;
  try {
    return { method, target: fs.realpathSync(file) };
  } catch {
    return null;
  }
}

/** Other processes that have `file` open, scanned on this thread; empty where that cannot be known. */
export function processesHolding(file: string): number[] {
  const scan = scanTarget(file);
  if (scan === null) return [];
  holderScanStats.onThread++;
  return scanHere(scan.method, scan.target);
}

/**
 * processesHolding run by a worker thread: this thread is free while it scans. Falls back to the
 * scan here when no worker can start or it fails. Rejects with CANCELLED once `signal` aborts
 * (the worker finishes its scan and the answer is dropped).
 */
export async function processesHoldingOffThread(file: string, signal?: AbortSignal): Promise<number[]> {
  const scan = scanTarget(file);
  if (scan === null) return [];
  const pids = holderScanTuning.worker ? await scanner.scan(scan.method, scan.target, signal) : null;
  if (pids !== null) return pids;
  if (signal?.aborted) throw cancelled();
  holderScanStats.onThread++;
  return scanHere(scan.method, scan.target);
}

const QUEUED = 0;
const ABANDONED = 2;

/** A scan sent to the worker, and the callers waiting for its answer. */
interface Request {
  worker: Worker;
  key: string;
  /** QUEUED until the worker starts it (shared with the worker: Int32Array over a SharedArrayBuffer). */
  cell: Int32Array;
  callers: Set<(pids: number[] | null) => void>;
}

/**
 * The one scanning worker of this thread, started on first use and ended after a pause. A request
 * for a file whose scan still waits in the worker's queue joins that scan (it starts after both
 * asked, so it answers both); a scan every caller cancelled before it started is skipped.
 */
class HolderScanner {
  private worker: Worker | null = null;
  private nextId = 0;
  /** Requests waiting for an answer, by id. */
  private readonly waiting = new Map<number, Request>();
  private idleTimer: NodeJS.Timeout | null = null;

  /** The holders, or null when the worker could not answer. */
  scan(method: ScanMethod, target: string, signal?: AbortSignal): Promise<number[] | null> {
    if (signal?.aborted) return Promise.reject(cancelled());
    const worker = this.started();
    if (!worker) return Promise.resolve(null);
    this.keepAlive();
    const key = `${method}\0${target}`;
    let request = [...this.waiting.values()].find((r) => r.worker === worker && r.key === key && Atomics.load(r.cell, 0) === QUEUED);
    if (request) holderScanStats.shared++;
    else request = this.send(worker, method, target, key);
    const joined = request;
    return new Promise<number[] | null>((resolve, reject) => {
      const answer = (pids: number[] | null) => {
        signal?.removeEventListener('abort', onAbort);
        if (pids !== null) holderScanStats.offThread++;
        resolve(pids);
      };
      const onAbort = () => {
        joined.callers.delete(answer);
        // Nobody waits for it any more: skipped if the worker has not started it (else its answer is dropped).
        if (joined.callers.size === 0) Atomics.compareExchange(joined.cell, 0, QUEUED, ABANDONED);
        this.idleLater();
        reject(cancelled());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      joined.callers.add(answer);
    });
  }

  private send(worker: Worker, method: ScanMethod, target: string, key: string): Request {
    const id = this.nextId++;
    const request: Request = { worker, key, cell: new Int32Array(new SharedArrayBuffer(4)), callers: new Set() };
    this.waiting.set(id, request);
    // Referenced while someone waits (a script awaiting a scan at its top level must not end
    // first), and only then: an idle worker never keeps the process alive (idleLater).
    worker.ref();
    worker.postMessage({ id, method, target, selfPid: process.pid, cell: request.cell });
    return request;
  }

  private started(): Worker | null {
    if (this.worker) return this.worker;
    let worker: Worker;
    try {
      worker = new (workerThreadsModule().Worker)(PROGRAM, { eval: true });
    } catch {
      return null;
    }
    holderScanStats.workersStarted++;
    worker.on('message', ({ id, pids, names, skipped }: { id: number; pids: number[] | null; names?: Record<string, string>; skipped?: boolean }) => {
      const request = this.waiting.get(id);
      this.waiting.delete(id);
      if (skipped) holderScanStats.skipped++;
      remember(pids, names);
      for (const answer of request?.callers ?? []) answer(pids);
      this.idleLater();
    });
    // An error ends the worker; 'exit' answers whoever still waits on it (they scan themselves).
    worker.on('error', () => {});
    worker.once('exit', () => {
      if (this.worker === worker) this.worker = null;
      for (const [id, request] of this.waiting) {
        if (request.worker !== worker) continue; // sent to the next worker, which answers it
        this.waiting.delete(id);
        for (const answer of request.callers) answer(null);
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
    if (!worker || [...this.waiting.values()].some((r) => r.worker === worker && r.callers.size > 0)) return;
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
