import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
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

/**
 * Staging folders are named `.<target>.restoring-<host>-<pid>-<random>` so that a later restore
 * can recognise one whose owner was killed (SIGKILL, power loss) and remove it. The host tag
 * (a short hash of the hostname) keeps a restore on one machine from judging a pid that belongs
 * to another machine writing to the same shared folder.
 */
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
const STAGING_NAME = /^\..+\.restoring-([0-9a-f]{8})-([1-9][0-9]{0,9})-[0-9a-f]{8}$/;

export function stagingName(target: string, pid: number = process.pid): string {
  return `.${basename(target)}.restoring-${HOST_TAG}-${pid}-${randomBytes(4).toString('hex')}`;
}

/** True unless the OS says no such process exists (EPERM means it runs under another user). */
function pidRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes staging folders left in `parent` by restores whose process no longer runs. Only real
 * folders (not symlinks) whose name matches our pattern exactly, made on this host, are touched;
 * a live or foreign one is kept. Returns the names removed.
 */
export async function removeStaleStaging(parent: string): Promise<string[]> {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = STAGING_NAME.exec(name);
    if (!m || m[1] !== HOST_TAG) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || pidRuns(pid)) continue;
    const path = join(parent, name);
    try {
      if (!lstatSync(path).isDirectory()) continue;
    } catch {
      continue;
    }
    await removeQuietly(path);
    if (!existsSync(path)) removed.push(name);
  }
  return removed;
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
  // A restore killed mid-way leaves its staging folder behind; clear those before adding ours.
  const cleaned = await removeStaleStaging(dirname(target));
  const staging = join(dirname(target), stagingName(target));
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
    const warnings = [...cleaned.map((n) => `removed ${n}: left behind by an interrupted restore`), ...extracted.warnings];
    return { folder: target, manifest: extracted.manifest, collections, warnings, files: extracted.files, bytes: extracted.bytes };
  } catch (err) {
    await removeQuietly(staging);
    throw asCancelled(err, opts.signal);
  }
}
