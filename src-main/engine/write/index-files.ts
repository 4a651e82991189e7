import fs from 'node:fs';
import path from 'node:path';
import { PICKLE_FILE } from '../hnsw/segment-files.js';

/**
 * Writes a whole file — one buffer, or chunks in order — and fsyncs it before resolving; the
 * writes and the fsync run on libuv's threads, not the caller's.
 */
export async function writeFileDurably(file: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
  const handle = await fs.promises.open(file, 'w');
  try {
    if (data instanceof Uint8Array) await handle.writeFile(data);
    else for (const chunk of data) await handle.writeFile(chunk);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function writePickleFile(destDir: string, pickle: Buffer | readonly Buffer[]): Promise<void> {
  return writeFileDurably(path.join(destDir, PICKLE_FILE), pickle);
}
