/**
 * How the pool treats each method. Reads are bounded by the call timeout and stopped by
 * terminating their worker; jobs that report progress and check their signal (backup, export,
 * restore, verify, table sizes, doctor, a text embedded with a model downloaded first, a UMAP layout) run without a limit and stop on cancel by themselves; writes are
 * never interrupted half-way (they are short, and each is one SQLite transaction anyway).
 */
const UNBOUNDED_JOBS = new Set(['backup', 'verifyBackup', 'restoreBackup', 'exportRecords', 'tableSizes', 'doctor', 'fix', 'migratePreview', 'replayToSeq', 'exportWal', 'copyTo', 'embedText', 'embeddingMap', 'mapProject']);
const WRITES = new Set(['setWritable', 'updateRecord', 'deleteRecords', 'upsertRecord']);

export type Lane = 'read' | 'writer' | 'sql';

export const isWrite = (method: string) => WRITES.has(method);

/** Whether the call's time limit applies (else it runs until done or cancelled). */
export const isBounded = (method: string) => !UNBOUNDED_JOBS.has(method) && !WRITES.has(method);

/** Whether a cancel that the call does not honour within the grace period kills its engine. */
export const mayTerminate = (method: string) => !WRITES.has(method);

/**
 * Where a call runs. Writes, and every call on a folder whose writes are on, go to the single
 * writer engine: it holds the write session, and its reads see its writes at once. Raw SQL runs
 * in a child process (native SQLite code cannot be interrupted in a thread). The rest spreads over
 * the read workers.
 */
export function laneFor(method: string, writableFolder: boolean): Lane {
  if (method === 'sql') return 'sql';
  if (WRITES.has(method) || writableFolder) return 'writer';
  return 'read';
}
