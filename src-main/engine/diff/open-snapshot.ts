import { lstatSync } from 'node:fs';
import { ChromaFolder } from '../chroma-folder.js';
import { extractBackup } from '../backup/extract.js';
import { makeTempDir, removeQuietly } from '../backup/temp-dir.js';

export interface OpenSnapshot {
  folder: ChromaFolder;
  close(): Promise<void>;
}

/**
 * One side of a diff, opened read-only: a folder in place, or a backup zip extracted (and checked
 * as restore checks it) to a private temporary folder that close() removes.
 */
export async function openSnapshot(path: string, signal?: AbortSignal): Promise<OpenSnapshot> {
  if (lstatSync(path, { throwIfNoEntry: false })?.isFile() && path.toLowerCase().endsWith('.zip')) {
    const dir = await makeTempDir('chroma-inspector-diff-');
    try {
      await extractBackup(path, dir, signal ? { signal } : {});
      const folder = ChromaFolder.open(dir);
      return { folder, close: async () => (folder.close(), removeQuietly(dir)) };
    } catch (err) {
      await removeQuietly(dir);
      throw err;
    }
  }
  const folder = ChromaFolder.open(path);
  return { folder, close: async () => folder.close() };
}
