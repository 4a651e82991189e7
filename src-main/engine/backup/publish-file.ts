import { constants } from 'node:fs';
import { copyFile, link, unlink } from 'node:fs/promises';
import { InspectorError } from '../../../shared/errors.js';
import { isNoSpace } from './backup-errors.js';
import { asCancelled } from './task.js';
import { removeQuietly } from './temp-dir.js';

/**
 * Puts a finished `partial` file at `out`, never replacing a file that appeared there meanwhile:
 * a hard link fails when `out` exists, atomically (a check then a rename would overwrite whatever
 * was created in between — e.g. a file someone planted there). Filesystems without hard links get
 * an exclusive copy instead. The partial file is removed either way by the caller's cleanup.
 */
export async function publishWithoutOverwrite(partial: string, out: string): Promise<void> {
  try {
    await link(partial, out);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new InspectorError('INVALID_ARGUMENT', `${out} already exists; choose a new file name`);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'ENOSYS') throw err;
    try {
      await copyFile(partial, out, constants.COPYFILE_EXCL);
    } catch (copyErr) {
      if ((copyErr as NodeJS.ErrnoException).code === 'EEXIST') throw new InspectorError('INVALID_ARGUMENT', `${out} already exists; choose a new file name`);
      throw copyErr;
    }
  }
  await unlink(partial).catch(() => undefined);
}

/**
 * The cleanup of a file export that failed or was cancelled before `publishWithoutOverwrite`:
 * stops the writer, deletes `partial`, and returns the error to throw — CANCELLED when `signal`
 * fired, a no-space error naming `out` when the disk filled, else `err` itself.
 */
export async function discardPartial(err: unknown, sink: { close(): Promise<void> } | null, partial: string, out: string, signal: AbortSignal | undefined): Promise<unknown> {
  await sink?.close();
  await removeQuietly(partial);
  const e = asCancelled(err, signal);
  if (isNoSpace(e)) return new InspectorError('INTERNAL', `no space left on the device while writing ${out}`, { reason: 'no-space' });
  return e;
}
