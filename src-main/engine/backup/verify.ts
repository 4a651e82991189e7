import { resolve } from 'node:path';
import { checkRestored, type RestoredCollection } from './check-restored.js';
import { extractBackup, type ExtractOptions } from './extract.js';
import type { Manifest } from './manifest.js';
import { asCancelled } from './task.js';
import { makeTempDir, removeQuietly } from './temp-dir.js';

export interface VerifyOptions extends ExtractOptions {
  tmpDir?: string;
}

export interface VerifyResult {
  zip: string;
  manifest: Manifest | null;
  collections: RestoredCollection[];
  warnings: string[];
  files: number;
  bytes: number;
}

/**
 * Checks a backup without restoring it anywhere permanent: the manifest, every file's SHA-256
 * and CRC-32, and that the packed database opens with the read engine and shows the counts the
 * manifest recorded. Works in a private temp dir that is always removed. Throws on the first
 * problem (with `details.reason`), so a returned result means the backup is good.
 */
export async function verify(zipPath: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const zip = resolve(zipPath);
  const dir = await makeTempDir('chroma-verify-', opts.tmpDir);
  try {
    const extracted = await extractBackup(zip, dir, opts);
    const collections = checkRestored(dir, extracted.manifest);
    return { zip, manifest: extracted.manifest, collections, warnings: extracted.warnings, files: extracted.files, bytes: extracted.bytes };
  } catch (err) {
    throw asCancelled(err, opts.signal);
  } finally {
    await removeQuietly(dir);
  }
}
