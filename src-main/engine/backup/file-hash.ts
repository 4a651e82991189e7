import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array, value?: number) => number;
/** zlib.crc32 exists from Node 20.15 / 22.2; without it CRC checks are skipped (SHA-256 still runs). */
const crc32: Crc32 | null = typeof (zlib as { crc32?: unknown }).crc32 === 'function' ? (zlib as unknown as { crc32: Crc32 }).crc32 : null;

export const canCheckCrc32 = crc32 !== null;

/**
 * A pass-through stream that hashes what flows through it: SHA-256 (the manifest's checksum),
 * CRC-32 (the zip's own) and a byte count. `onBytes` sees every chunk's size, for progress.
 */
export class HashingStream extends Transform {
  private readonly sha: Hash = createHash('sha256');
  private crc = 0;
  bytes = 0;
  private digest: string | null = null;

  constructor(private readonly onBytes?: (n: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.sha.update(chunk);
    if (crc32) this.crc = crc32(chunk, this.crc);
    this.bytes += chunk.length;
    this.onBytes?.(chunk.length);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.digest = this.sha.digest('hex');
    cb();
  }

  /** Hex SHA-256; only after the stream has ended. */
  get sha256(): string {
    if (this.digest === null) throw new Error('HashingStream: digest read before the end of the stream');
    return this.digest;
  }

  /** CRC-32 as an unsigned number, or null when this Node has no zlib.crc32. */
  get crc32(): number | null {
    return crc32 ? this.crc >>> 0 : null;
  }
}

/** SHA-256 of a file, streamed. */
export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const h = new HashingStream();
  await pipeline(createReadStream(file), h, async (source: AsyncIterable<Buffer>) => {
    for await (const _chunk of source) {
      /* drain */
    }
  }, { signal });
  return h.sha256;
}
