import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ActivityInfo } from '../../../shared/models.js';
import { SQLITE_FILE } from './folder-files.js';
import { processesHolding, processesHoldingOffThread } from './holder-scan.js';
import { describeProcess } from './process-name.js';

export { processesHolding, processesHoldingOffThread } from './holder-scan.js';

const RECENT_MS = 10_000;

/**
 * Best-effort signs that a Chroma process has the folder open. Chroma takes no lock file, so we
 * look for other processes holding chroma.sqlite3 open (holder-scan.ts: /proc on Linux, lsof on
 * macOS; not on Windows), and everywhere for a journal and very recent writes. `holders`: the
 * processes found holding it already (else scanned here).
 */
export function detectActivity(dir: string, holders?: readonly number[]): ActivityInfo {
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
  for (const pid of holders ?? processesHolding(db)) reasons.push(`process ${describeProcess(pid)} has ${SQLITE_FILE} open`);
  return { likelyInUse: reasons.length > 0, reasons };
}

/** detectActivity with the process scan in a worker thread (holder-scan.ts): for callers that can wait. */
export async function detectActivityOffThread(dir: string, signal?: AbortSignal): Promise<ActivityInfo> {
  const holders = await processesHoldingOffThread(join(dir, SQLITE_FILE), signal);
  return detectActivity(dir, holders);
}
