import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { backupError } from './backup-errors.js';

export interface ZipEntryInfo {
  /** Normalised `/`-separated path without a trailing slash. */
  path: string;
  kind: 'file' | 'dir';
  size: number;
  crc32: number;
  entry: yauzl.Entry;
}

export interface OpenZip {
  zip: yauzl.ZipFile;
  entries: ZipEntryInfo[];
  close(): void;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

function corrupt(zipPath: string, err: Error) {
  return backupError('INVALID_ARGUMENT', 'zip.corrupt', `${zipPath} is not a readable zip (damaged or truncated?): ${err.message}`, { file: zipPath });
}

/**
 * One entry's data is unreadable (bad deflate stream, wrong size, CRC mismatch): names the entry
 * and the archive, so the user knows which file is damaged rather than seeing a bare zlib message.
 */
export function entryDamaged(zipPath: string, entryPath: string, problem: string) {
  return backupError('INVALID_ARGUMENT', 'zip.corrupt', `${entryPath} in ${zipPath} is damaged: ${problem}`, { file: zipPath, entry: entryPath });
}

function unsafe(zipPath: string, name: string, why: string) {
  return backupError('INVALID_ARGUMENT', 'zip.unsafe-entry', `${zipPath} contains an unsafe entry "${name}": ${why}; nothing was extracted`, { file: zipPath, entry: name });
}

/**
 * Decides what an entry is, refusing anything that could write outside the target or create
 * something other than plain files and folders: absolute paths, drive letters, `..`, backslashes,
 * NUL, symlinks, devices, FIFOs, sockets, encrypted entries.
 */
export function classifyEntry(zipPath: string, entry: yauzl.Entry): ZipEntryInfo {
  const name = entry.fileName;
  if (name.includes('\0')) throw unsafe(zipPath, name, 'NUL in the file name');
  if (name.includes('\\')) throw unsafe(zipPath, name, 'backslash in the file name');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw unsafe(zipPath, name, 'absolute path');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw unsafe(zipPath, name, 'path goes up with ".." (zip slip)');
  if (parts.length === 0) throw unsafe(zipPath, name, 'empty path');
  if (entry.isEncrypted()) throw unsafe(zipPath, name, 'encrypted entries are not supported');
  const madeByUnix = entry.versionMadeBy >> 8 === 3;
  const mode = madeByUnix ? (entry.externalFileAttributes >>> 16) & S_IFMT : 0;
  let kind: 'file' | 'dir';
  if (mode === S_IFLNK) throw unsafe(zipPath, name, 'symbolic link');
  if (mode === S_IFDIR) kind = 'dir';
  else if (mode === S_IFREG) kind = name.endsWith('/') ? 'dir' : 'file';
  else if (mode !== 0) throw unsafe(zipPath, name, `special file (mode ${mode.toString(8)}: device, FIFO or socket)`);
  else kind = name.endsWith('/') || (entry.externalFileAttributes & 0x10) !== 0 ? 'dir' : 'file';
  if (kind === 'file' && name.endsWith('/')) throw unsafe(zipPath, name, 'file entry named like a folder');
  if (kind === 'file' && !entry.canDecodeFileData()) throw unsafe(zipPath, name, `unsupported compression method ${entry.compressionMethod}`);
  return { path: parts.join('/'), kind, size: entry.uncompressedSize, crc32: entry.crc32, entry };
}

/** Opens a zip and reads its whole central directory (entry metadata only, never file data). */
export function openZip(zipPath: string): Promise<OpenZip> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true, strictFileNames: true }, (err, zip) => {
      if (err || !zip) return reject(mapOpenError(zipPath, err ?? new Error('no zip')));
      const entries: ZipEntryInfo[] = [];
      const seen = new Set<string>();
      const close = () => {
        try {
          zip.close();
        } catch {
          /* already closed */
        }
      };
      const failWith = (e: unknown) => {
        close();
        reject(e);
      };
      zip.on('error', (e: Error) => failWith(mapOpenError(zipPath, e)));
      zip.on('entry', (entry: yauzl.Entry) => {
        try {
          const info = classifyEntry(zipPath, entry);
          if (seen.has(info.path)) throw unsafe(zipPath, entry.fileName, 'the same path appears twice');
          seen.add(info.path);
          entries.push(info);
          zip.readEntry();
        } catch (e) {
          failWith(e);
        }
      });
      zip.on('end', () => resolve({ zip, entries, close }));
      zip.readEntry();
    });
  });
}

function mapOpenError(zipPath: string, err: Error) {
  const m = err.message;
  if (/^absolute path|^invalid relative path|^invalid characters in fileName/.test(m)) return unsafe(zipPath, m.replace(/^[^:]*: /, ''), m.split(':')[0]!);
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return backupError('NOT_FOUND', 'zip.corrupt', `${zipPath} does not exist`, { file: zipPath });
  return corrupt(zipPath, err);
}

/** The entry's decompressed bytes as a stream (sizes are validated by yauzl as they flow). */
export function openEntryStream(zipPath: string, zip: yauzl.ZipFile, info: ZipEntryInfo): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(info.entry, (err, stream) => {
      if (err || !stream) return reject(entryDamaged(zipPath, info.path, err?.message ?? 'cannot be opened'));
      resolve(stream);
    });
  });
}

export { corrupt as zipCorruptError };
