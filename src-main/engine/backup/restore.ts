import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { mkdir, rename, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InspectorError } from '../../../shared/errors.js';
import { backupError } from './backup-errors.js';
import { checkRestored, type RestoredCollection } from './check-restored.js';
import { extractBackup, type ExtractOptions } from './extract.js';
import type { Manifest } from './manifest.js';
import { asCancelled, throwIfAborted } from './task.js';
import { removeQuietly } from './temp-dir.js';

export type RestoreOptions = ExtractOptions;

export interface RestoreResult {
  folder: string;
  manifest: Manifest | null;
  collections: RestoredCollection[];
  warnings: string[];
  files: number;
  bytes: number;
}

/** Refuses anything but a missing path (whose parent exists) or an empty folder. */
function checkTarget(target: string): 'missing' | 'empty' {
  if (!existsSync(target)) {
    const parent = dirname(target);
    if (!existsSync(parent) || !lstatSync(parent).isDirectory()) {
      throw new InspectorError('NOT_FOUND', `cannot restore into ${target}: its parent folder ${parent} does not exist`);
    }
    return 'missing';
  }
  const st = lstatSync(target);
  if (!st.isDirectory()) {
    throw backupError('INVALID_ARGUMENT', 'restore.target-not-empty', `${target} exists and is not a folder; restore only writes into a new or empty folder`);
  }
  const names = readdirSync(target);
  if (names.length > 0) {
    throw backupError('INVALID_ARGUMENT', 'restore.target-not-empty', `${target} is not empty (${names.length} entries, e.g. ${names[0]}); restore never writes over existing data: choose a new or empty folder`);
  }
  return 'empty';
}

/**
 * Restores a backup zip (or a plain `zip -r` of a Chroma folder, with a warning) into a new or
 * empty folder: extracts into a hidden temp sibling, verifying checksums as it goes, opens the
 * result with the read engine and checks each collection's count against the manifest, and only
 * then renames it into place. On any failure or cancel nothing is left behind.
 */
export async function restore(zipPath: string, newFolder: string, opts: RestoreOptions = {}): Promise<RestoreResult> {
  const zip = resolve(zipPath);
  const target = resolve(newFolder);
  checkTarget(target);
  const staging = join(dirname(target), `.${basename(target)}.restore-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(staging);
    const extracted = await extractBackup(zip, staging, opts);
    throwIfAborted(opts.signal);
    opts.onProgress?.({ done: extracted.bytes, total: extracted.bytes, message: 'opening the restored folder and checking counts' });
    const collections = checkRestored(staging, extracted.manifest);
    throwIfAborted(opts.signal);
    // The target may have been filled meanwhile: check again right before the rename.
    if (checkTarget(target) === 'empty') await rmdir(target);
    await rename(staging, target);
    return { folder: target, manifest: extracted.manifest, collections, warnings: extracted.warnings, files: extracted.files, bytes: extracted.bytes };
  } catch (err) {
    await removeQuietly(staging);
    throw asCancelled(err, opts.signal);
  }
}
