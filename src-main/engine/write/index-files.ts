import fs from 'node:fs';
import path from 'node:path';
import type { HnswHeader } from '../../../shared/models.js';
import { HNSW_HEADER_BYTES, parseHnswHeader } from '../hnsw/header.js';
import { DATA_LEVEL0_FILE, HEADER_FILE, LENGTH_FILE, LINK_LISTS_FILE, PICKLE_FILE } from '../hnsw/segment-files.js';

const CHUNK_BYTES = 16 * 1024 * 1024;
const STANDARD_HEADER_BYTES = HNSW_HEADER_BYTES - 4;

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

function readExactly(fd: number, buf: Buffer, length: number, position: number, what: string): void {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw new Error(`standard index ended early while reading ${what}`);
    done += n;
  }
}

export interface SplitIndex {
  header: HnswHeader;
  /** Label of every element, by internal id (deleted ones included). */
  labels: number[];
}

/**
 * Turns hnswlib's standard single-file index into Chroma's four files in `destDir`
 * (docs/format.md §6.5 split): header.bin = int32 1 ‖ the 96-byte header; data_level0.bin =
 * the level-0 block, padded to `max_elements × size` as the fork writes it; link_lists.bin = the
 * rest; length.bin = one float32 norm per internal id (`normOf`; zeros where the space has none),
 * padded to `max_elements`. Every file is fsynced.
 */
export function splitStandardIndex(
  standardFile: string,
  destDir: string,
  normOf: ((internalId: number, label: number) => number) | null,
): SplitIndex {
  const src = fs.openSync(standardFile, 'r');
  try {
    const total = fs.fstatSync(src).size;
    const std = Buffer.alloc(STANDARD_HEADER_BYTES);
    readExactly(src, std, STANDARD_HEADER_BYTES, 0, 'the header');
    const headerBin = Buffer.alloc(HNSW_HEADER_BYTES);
    headerBin.writeInt32LE(1, 0);
    std.copy(headerBin, 4);
    const header = parseHnswHeader(headerBin, 'header.bin (written)');
    writeFileDurably(path.join(destDir, HEADER_FILE), headerBin);

    const { curElementCount: cur, sizeDataPerElement: size, labelOffset, maxElements } = header;
    const level0Bytes = cur * size;
    const labels: number[] = new Array(cur);
    const out = fs.openSync(path.join(destDir, DATA_LEVEL0_FILE), 'w');
    try {
      const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / size));
      const chunk = Buffer.allocUnsafe(Math.min(perChunk, Math.max(cur, 1)) * size);
      for (let first = 0; first < cur; first += perChunk) {
        const count = Math.min(perChunk, cur - first);
        readExactly(src, chunk, count * size, STANDARD_HEADER_BYTES + first * size, 'level 0');
        for (let j = 0; j < count; j++) {
          const at = j * size + labelOffset;
          labels[first + j] = chunk.readUInt32LE(at) + chunk.readUInt32LE(at + 4) * 2 ** 32;
        }
        fs.writeSync(out, chunk, 0, count * size);
      }
      fs.ftruncateSync(out, Math.max(level0Bytes, maxElements * size));
      fs.fsyncSync(out);
    } finally {
      fs.closeSync(out);
    }

    const linkStart = STANDARD_HEADER_BYTES + level0Bytes;
    const linkBytes = total - linkStart;
    if (linkBytes < 0) throw new Error('standard index is shorter than its level 0 block');
    const links = Buffer.allocUnsafe(linkBytes);
    if (linkBytes > 0) readExactly(src, links, linkBytes, linkStart, 'link lists');
    writeFileDurably(path.join(destDir, LINK_LISTS_FILE), links);

    const norms = Buffer.alloc(Math.max(cur, maxElements) * 4);
    if (normOf) for (let i = 0; i < cur; i++) norms.writeFloatLE(normOf(i, labels[i]!), i * 4);
    writeFileDurably(path.join(destDir, LENGTH_FILE), norms);
    return { header, labels };
  } finally {
    fs.closeSync(src);
  }
}

export function writePickleFile(destDir: string, pickle: Buffer): void {
  writeFileDurably(path.join(destDir, PICKLE_FILE), pickle);
}
