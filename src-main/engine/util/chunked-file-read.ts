import fs from 'node:fs';
import type { Arrive } from '../hnsw/pickle-cursor.js';
import { hugePaged } from './huge-pages.js';
import type { Steps } from './steps.js';

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
    const buf = hugePaged(Buffer.allocUnsafeSlow(size));
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

/**
 * A whole file, as fs.readFileSync gives it, read a chunk per step (util/steps.ts) into memory
 * advised for huge pages when it is big enough (huge-pages.ts): a 9 MB link_lists.bin read at
 * once held the thread ~27 ms, most of it the page faults of the fresh buffer. Like
 * readFileSync, a file that shrank meanwhile gives what it still had.
 */
export function* readFileSteps(file: string, chunkBytes = CHUNK_BYTES): Steps<Buffer> {
  const read = chunkedFileRead(file, chunkBytes);
  try {
    for (let filled = 0; ; ) {
      const now = read.arrive(filled + chunkBytes);
      if (now === filled || now >= read.buf.length) return read.buf.subarray(0, now);
      filled = now;
      yield;
    }
  } finally {
    read.close();
  }
}
