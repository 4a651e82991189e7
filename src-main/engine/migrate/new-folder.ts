import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { mkdir, rename, rmdir } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { InspectorError, invalidArgument } from '../../../shared/errors.js';
import { realPathOf } from '../folder/real-path.js';
import { removeStaleStaging, stagingName } from '../backup/restore.js';
import { fsyncDir } from '../write/create-folder.js';
import { translateSqliteError } from '../sqlite/connection.js';

/**
 * A result that is a whole new folder (a migration preview, a replay): built in a hidden staging
 * folder beside the target and renamed into place at the end, as restore does, so the target is
 * either absent or complete. The source folder is never written: a target inside it is refused.
 */
export interface NewFolder {
  target: string;
  staging: string;
  /** Staging folders of killed runs that were removed first. */
  cleaned: string[];
}

/** Refuses anything but a missing path (whose parent exists) or an empty folder. */
export function checkNewFolderTarget(target: string, what: string): 'missing' | 'empty' {
  if (!existsSync(target)) {
    const parent = dirname(target);
    if (!existsSync(parent) || !lstatSync(parent).isDirectory()) {
      throw new InspectorError('NOT_FOUND', `cannot write the ${what} into ${target}: its parent folder ${parent} does not exist`);
    }
    return 'missing';
  }
  if (!lstatSync(target).isDirectory()) throw invalidArgument(`${target} exists and is not a folder; the ${what} is only written into a new or empty folder`);
  const names = readdirSync(target);
  if (names.length > 0) {
    throw invalidArgument(`${target} is not empty (${names.length} entries, e.g. ${names[0]}); the ${what} never writes over existing data: choose a new or empty folder`, {
      reason: 'target-not-empty',
    });
  }
  return 'empty';
}

/** Refuses an output that is the source folder or lies inside it: the source is only ever read. */
export function refuseInsideSource(source: string, output: string, what: string): void {
  const src = realPathOf(resolve(source));
  const out = realPathOf(resolve(output));
  if (out === src || out.startsWith(src.endsWith(sep) ? src : src + sep)) {
    throw invalidArgument(`the ${what} (${output}) must not be inside the source folder ${source}: the source folder is only ever read`, { reason: 'inside-source' });
  }
}

export async function prepareNewFolder(source: string, newFolder: string, what: string): Promise<NewFolder> {
  const target = resolve(newFolder);
  refuseInsideSource(source, target, what);
  checkNewFolderTarget(target, what);
  const cleaned = await removeStaleStaging(dirname(target));
  const staging = join(dirname(target), stagingName(target));
  await mkdir(staging);
  return { target, staging, cleaned };
}

/** Renames the finished staging folder into place, checking again that the target is still free. */
export async function publishNewFolder(f: NewFolder, what: string): Promise<void> {
  if (checkNewFolderTarget(f.target, what) === 'empty') await rmdir(f.target);
  await rename(f.staging, f.target);
  fsyncDir(dirname(f.target));
}

/** SQLite's own errors name the staged database; anything else (cancel, disk full, ours) passes unchanged. */
export function asSqliteError(err: unknown, file: string): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  return !(err instanceof InspectorError) && typeof code === 'string' && code.startsWith('SQLITE') ? translateSqliteError(err, file) : err;
}
