import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A private temp directory (mode 0700) under `base` (default: the OS temp dir). */
export async function makeTempDir(prefix: string, base: string = tmpdir()): Promise<string> {
  return mkdtemp(join(base, prefix));
}

/** Removes a temp path; never throws (cleanup must not hide the original error). */
export async function removeQuietly(path: string | null | undefined): Promise<void> {
  if (!path) return;
  try {
    await rm(path, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    /* best effort */
  }
}
