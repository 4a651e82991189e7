import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { FixReport } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import { processesHolding } from '../folder/activity.js';
import { SQLITE_FILE, isUuid } from '../folder/folder-files.js';
import { backup } from '../backup/backup.js';
import { verify } from '../backup/verify.js';
import { throwIfAborted, type Progress } from '../backup/task.js';
import { removeQuietly } from '../backup/temp-dir.js';
import { fsyncDir } from '../write/create-folder.js';
import { fixFolder, type FixOptions } from './fix-folder.js';

export interface FixInPlaceOptions extends FixOptions {
  /** Where the backup goes (default: `<folder>-before-fix-<time>.zip` beside the folder). */
  backupZip?: string;
  /** Called once the backup is written and verified, before anything is repaired. */
  onBackup?: (zip: string) => void;
}

/**
 * Replacing a folder under a running Chroma would leave it writing into files that are no longer
 * the folder (docs/format.md §8.3): refuse while another process holds the database, or a
 * journal says a write is under way.
 */
function refuseWhileLive(dir: string): void {
  const db = join(dir, SQLITE_FILE);
  const holders = processesHolding(db);
  if (holders.length > 0) {
    throw new InspectorError('FOLDER_BUSY', `Another process has ${db} open (pid ${holders.join(', ')}): stop it before repairing the folder in place, or repair into a new folder`, {
      file: db,
      pids: holders,
    });
  }
  for (const side of ['-journal', '-wal']) {
    if (existsSync(`${db}${side}`)) throw new InspectorError('FOLDER_BUSY', `${db}${side} exists: a write is under way or a writer crashed; repair into a new folder instead`, { file: `${db}${side}` });
  }
}

/** The backup and the repair carry only Chroma's layout: anything else in the folder would be lost by the swap. */
function refuseForeignEntries(dir: string): void {
  const foreign = readdirSync(dir).filter((n) => n !== SQLITE_FILE && !isUuid(n));
  if (foreign.length > 0) {
    throw new InspectorError(
      'INVALID_ARGUMENT',
      `${dir} holds ${foreign.length} entr${foreign.length === 1 ? 'y' : 'ies'} that are not part of Chroma's layout (e.g. ${foreign[0]}): ` +
        'an in-place repair would drop them. Move them out, or repair into a new folder',
    );
  }
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/**
 * Repairs a folder in place, explicitly asked for: first a backup (backup/backup.ts, consistent)
 * that is verified before anything else happens, then the same copy-first repair into a hidden
 * sibling, verified against the original, then a swap — the original renamed aside, the repaired
 * copy renamed into its place, the original removed. The backup's path is in the report.
 */
export async function fixInPlace(folder: string, opts: FixInPlaceOptions = {}): Promise<FixReport> {
  const dir = resolve(folder);
  refuseWhileLive(dir);
  refuseForeignEntries(dir);
  const phase = (prefix: string) => (p: Progress) => opts.onProgress?.({ ...p, message: `${prefix}: ${p.message}` });
  const zip = resolve(opts.backupZip ?? join(dirname(dir), `${basename(dir)}-before-fix-${stamp()}.zip`));
  await backup(dir, zip, { signal: opts.signal, onProgress: phase('backup') });
  await verify(zip, { signal: opts.signal, onProgress: phase('verifying the backup') });
  opts.onBackup?.(zip);

  const tag = randomBytes(4).toString('hex');
  const fixed = join(dirname(dir), `.${basename(dir)}.fixed-${tag}`);
  const report = await fixFolder(dir, fixed, opts);
  const aside = join(dirname(dir), `.${basename(dir)}.replaced-${tag}`);
  try {
    throwIfAborted(opts.signal);
    // Checked again right before the swap: a Chroma may have started meanwhile.
    refuseWhileLive(dir);
    await rename(dir, aside);
    try {
      await rename(fixed, dir);
    } catch (err) {
      await rename(aside, dir);
      throw err;
    }
    fsyncDir(dirname(dir));
  } catch (err) {
    await removeQuietly(fixed);
    throw err;
  }
  await removeQuietly(aside);
  return { ...report, source: dir, target: dir, backup: zip };
}
