import { existsSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ActivityInfo } from '../../../shared/models.js';
import { SQLITE_FILE } from './folder-files.js';

const RECENT_MS = 10_000;

/**
 * Best-effort signs that a Chroma process has the folder open. Chroma takes no lock file, so on
 * Linux we look for other processes holding chroma.sqlite3 open, and everywhere for a journal and
 * very recent writes.
 */
export function detectActivity(dir: string): ActivityInfo {
  const reasons: string[] = [];
  const db = join(dir, SQLITE_FILE);
  if (existsSync(`${db}-journal`)) reasons.push(`${SQLITE_FILE}-journal exists: a write is in progress, or a writer crashed`);
  if (existsSync(`${db}-wal`)) reasons.push(`${SQLITE_FILE}-wal exists: the database is in WAL mode and may have uncheckpointed writes`);
  try {
    const age = Date.now() - statSync(db).mtimeMs;
    if (age < RECENT_MS) reasons.push(`${SQLITE_FILE} was modified ${Math.round(age / 1000)} s ago`);
  } catch {
    /* missing file is reported elsewhere */
  }
  for (const pid of processesHolding(db)) reasons.push(`process ${pid} has ${SQLITE_FILE} open`);
  return { likelyInUse: reasons.length > 0, reasons };
}

/** Other processes (Linux: /proc) that have `file` open; empty where that cannot be known. */
export function processesHolding(file: string): number[] {
  if (process.platform !== 'linux' || !existsSync('/proc')) return [];
  let target: string;
  try {
    target = realpathSync(file);
  } catch {
    return [];
  }
  const pids: number[] = [];
  let procs: string[];
  try {
    procs = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  for (const p of procs) {
    const pid = Number(p);
    if (pid === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${p}/fd/${fd}`) === target) {
          pids.push(pid);
          break;
        }
      } catch {
        /* fd closed meanwhile */
      }
    }
  }
  return pids;
}
