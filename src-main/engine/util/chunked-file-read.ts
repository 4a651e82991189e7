import fs from 'node:fs';
import type { Arrive } from '../hnsw/pickle-cursor.js';

/** Bytes a decoder's ask reads at most at once (~1–2 ms of reading and page faults). */
const CHUNK_BYTES = 2 * 1024 * 1024;

/**
 * A file read into one buffer a chunk at a time, as a decoder working in steps asks for its bytes
 * (pickle-cursor.ts Arrive): each read, and the page faults of the buffer's fresh memory, fall
 * inside the decoder's steps instead of one read of the whole file before them (~100 ms for a
 * 50 MB pickle on a machine whose fresh pages are slow). The file stays open until `close()`: the
 * bytes are those of the file that was opened, even if it is renamed or replaced meanwhile.
 */
export function chunkedFileRead(file: string, chunkBytes = CHUNK_BYTES): { buf: Buffer; arrive: Arrive; close(): void } {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.allocUnsafeSlow(size);
    let filled = 0;
    const arrive: Arrive = (upTo) => {
      while (filled < upTo && filled < size) {
        const got = fs.readSync(fd, buf, filled, Math.min(chunkBytes, size - filled), filled);
        if (got === 0) break; // shorter than it was: the decoder reports the bytes it lacks
        filled += got;
      }
      return filled;
    };
    return { buf, arrive, close: () => fs.closeSync(fd) };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}
