import fs from 'node:fs';
import path from 'node:path';
import { PICKLE_FILE } from '../hnsw/segment-files.js';

/** Writes a whole file and fsyncs it before returning. */
export function writeFileDurably(file: string, data: Buffer | Uint8Array): void {
  const fd = fs.openSync(file, 'w');
  try {
    let done = 0;
    while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function writePickleFile(destDir: string, pickle: Buffer): void {
  writeFileDurably(path.join(destDir, PICKLE_FILE), pickle);
}
