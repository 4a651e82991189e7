import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { HashingStream } from './file-hash.js';
import type { ManifestFile } from './manifest.js';
import { MANIFEST_FILE } from './manifest.js';
import { ProgressReporter, type TaskOptions } from './task.js';

export interface ZipSource {
  /** Path inside the zip, `/`-separated. */
  rel: string;
  abs: string;
  bytes: number;
  mtime: Date;
}

export interface ZipWriteOptions extends TaskOptions {
  /** Write ZIP64 records even for small archives (yazl switches to ZIP64 by itself past 4 GiB). */
  forceZip64?: boolean;
}

/**
 * Streams files into a zip at `outFile` (created, never overwritten), hashing each file as it is
 * packed, then appends `manifest.json` built from those hashes as the last entry. One file is
 * open at a time and nothing is held in memory beyond stream buffers; yazl writes ZIP64 records
 * whenever an entry or the archive passes 4 GiB.
 */
export async function writeZip(
  outFile: string,
  sources: readonly ZipSource[],
  emptyDirs: readonly string[],
  makeManifest: (files: ManifestFile[]) => Buffer,
  opts: ZipWriteOptions = {},
): Promise<ManifestFile[]> {
  const progress = new ProgressReporter(opts.onProgress, sources.reduce((s, f) => s + f.bytes, 0));
  const zip = new yazl.ZipFile();
  const out = createWriteStream(outFile, { flags: 'wx' });
  const hashed: (ManifestFile | undefined)[] = new Array(sources.length);
  let inputError: Error | null = null;
  const fail = (err: Error) => {
    inputError ??= err;
    out.destroy(err);
  };
  const written = pipeline(zip.outputStream, out, { signal: opts.signal });
  const zip64 = opts.forceZip64 ?? false;

  sources.forEach((src, i) => {
    zip.addReadStreamLazy(src.rel, { mtime: src.mtime, mode: 0o100644, compress: true, forceZip64Format: zip64 }, (cb) => {
      const hash = new HashingStream((n) => progress.advance(n, `packing ${src.rel}`));
      const input = createReadStream(src.abs);
      input.on('error', fail);
      hash.on('error', fail);
      hash.on('end', () => {
        hashed[i] = { path: src.rel, bytes: hash.bytes, sha256: hash.sha256 };
      });
      input.pipe(hash);
      cb(null, hash);
    });
  });
  for (const dir of emptyDirs) zip.addEmptyDirectory(dir, { mode: 0o40755 });
  zip.addReadStreamLazy(MANIFEST_FILE, { mode: 0o100644, compress: true, forceZip64Format: zip64 }, (cb) => {
    try {
      const missing = sources.find((_, i) => !hashed[i]);
      if (missing) throw new Error(`internal: ${missing.rel} was not hashed before the manifest`);
      cb(null, Readable.from([makeManifest(hashed as ManifestFile[])]));
    } catch (err) {
      fail(err as Error);
      cb(err, Readable.from([]));
    }
  });
  zip.end({ forceZip64Format: zip64, comment: '' });
  try {
    await written;
  } catch (err) {
    throw inputError ?? err;
  }
  if (inputError) throw inputError;
  progress.report('zip written', true);
  return hashed as ManifestFile[];
}
