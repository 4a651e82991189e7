import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { EmbeddedFolder, type EmbeddedFolderOptions } from './embedded-folder.js';

interface Entry {
  folder: EmbeddedFolder;
  refs: number;
}

const open = new Map<string, Entry>();
/** Closes under way, by folder: a folder acquired again meanwhile starts its calls once its predecessor is closed. */
const closing = new Map<string, Promise<void>>();

const keyOf = (path: string) => {
  const abs = resolve(path);
  return existsSync(abs) ? realpathSync(abs) : abs;
};

/**
 * One EmbeddedFolder per folder per process: every client (and the inspector's writer, and an
 * import) on the same path shares its connections and its call queue, so two holders in one
 * program never race each other. Hold one through EmbeddedFolderLease.
 */
export function acquireFolder(path: string, opts: EmbeddedFolderOptions): EmbeddedFolder {
  const key = keyOf(path);
  const entry = open.get(key);
  if (entry) {
    entry.refs++;
    return entry.folder;
  }
  const folder = EmbeddedFolder.open(path, opts);
  // Two writers of one folder in one process would persist the same segments side by side.
  const previous = closing.get(key);
  if (previous) folder.queueAfter(previous);
  open.set(keyOf(path), { folder, refs: 1 });
  return folder;
}

/** Drops one client's hold; the last one flushes and closes the folder. */
export async function releaseFolder(folder: EmbeddedFolder): Promise<void> {
  for (const [key, entry] of open) {
    if (entry.folder !== folder) continue;
    if (--entry.refs > 0) return;
    open.delete(key);
    const done = folder.close();
    closing.set(key, done);
    try {
      await done;
    } finally {
      if (closing.get(key) === done) closing.delete(key);
    }
    return;
  }
}
