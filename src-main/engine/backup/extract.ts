import { createWriteStream as fsCreateWriteStream } from 'node:fs';
import { mkdir, statfs as fsStatfs } from 'node:fs/promises';
import { join, relative, isAbsolute } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InspectorError } from '../../../shared/errors.js';
import { SQLITE_FILE, isUuid } from '../folder/folder-files.js';
import { backupError, isNoSpace } from './backup-errors.js';
import { HashingStream } from './file-hash.js';
import { MANIFEST_FILE, parseManifest, type Manifest } from './manifest.js';
import { entryDamaged, openEntryStream, openZip, type OpenZip, type ZipEntryInfo } from './zip-reader.js';
import { ProgressReporter, asCancelled, throwIfAborted, type TaskOptions } from './task.js';

export interface StatFsLike {
  bavail: number | bigint;
  bsize: number | bigint;
}

export interface ExtractOptions extends TaskOptions {
  /** Injected for tests (a full disk); default fs.promises.statfs. */
  statfs?: (path: string) => Promise<StatFsLike>;
  /** Injected for tests (ENOSPC mid-write); default fs.createWriteStream with flags 'wx'. */
  createWriteStream?: (path: string) => Writable;
}

export interface ExtractResult {
  manifest: Manifest | null;
  warnings: string[];
  files: number;
  bytes: number;
}

const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;
const SPACE_MARGIN = 16 * 1024 * 1024;

/** Chroma's layout: chroma.sqlite3 (+ its side files) and one level of segment-UUID folders. */
function isChromaPath(path: string, kind: 'file' | 'dir'): boolean {
  const parts = path.split('/');
  if (kind === 'dir') return parts.length === 1 && isUuid(parts[0]!);
  if (parts.length === 1) return parts[0] === SQLITE_FILE || /^chroma\.sqlite3-(journal|wal|shm)$/.test(parts[0]!);
  return parts.length === 2 && isUuid(parts[0]!);
}

async function readSmallEntry(zipPath: string, z: OpenZip, info: ZipEntryInfo): Promise<string> {
  if (info.size > MAX_MANIFEST_BYTES) throw backupError('INVALID_ARGUMENT', 'zip.manifest', `${zipPath}: manifest.json is implausibly large (${info.size} bytes)`);
  const stream = await openEntryStream(zipPath, z.zip, info);
  // The manifest is the only checksum the other files have, so its own CRC-32 must hold too:
  // a flipped byte inside a JSON string would otherwise parse and silently change a hash.
  const hash = new HashingStream();
  const chunks: Buffer[] = [];
  try {
    await pipeline(stream, hash, async (source: AsyncIterable<Buffer>) => {
      for await (const c of source) chunks.push(c);
    });
  } catch (err) {
    throw entryDamaged(zipPath, info.path, (err as Error).message);
  }
  if (hash.crc32 !== null && hash.crc32 !== info.crc32 >>> 0) throw entryDamaged(zipPath, info.path, 'it fails its CRC-32 check');
  return Buffer.concat(chunks).toString('utf8');
}

interface Plan {
  manifest: Manifest | null;
  prefix: string;
  items: { info: ZipEntryInfo; rel: string }[];
  warnings: string[];
}

async function plan(zipPath: string, z: OpenZip): Promise<Plan> {
  const warnings: string[] = [];
  const manifestEntry = z.entries.find((e) => e.path === MANIFEST_FILE && e.kind === 'file');
  let manifest: Manifest | null = null;
  let prefix = '';
  if (manifestEntry) {
    manifest = parseManifest(await readSmallEntry(zipPath, z, manifestEntry));
  } else {
    const candidates = z.entries.filter((e) => e.kind === 'file' && (e.path === SQLITE_FILE || /^[^/]+\/chroma\.sqlite3$/.test(e.path)));
    const root = candidates.find((e) => e.path === SQLITE_FILE);
    if (root) prefix = '';
    else if (candidates.length === 1) prefix = candidates[0]!.path.slice(0, -SQLITE_FILE.length);
    else if (candidates.length > 1) {
      throw backupError('INVALID_ARGUMENT', 'zip.not-a-backup', `${zipPath} holds several Chroma folders (${candidates.map((c) => c.path).join(', ')}); restore needs exactly one`);
    } else {
      throw backupError('INVALID_ARGUMENT', 'zip.not-a-backup', `${zipPath} is neither a chroma-inspector backup (no manifest.json) nor a zip of a Chroma folder (no chroma.sqlite3)`);
    }
    warnings.push(`${zipPath} has no manifest.json (a plain zip of a Chroma folder${prefix ? ` inside "${prefix.slice(0, -1)}"` : ''}): only the zip's CRC-32 checks the data, and there are no recorded counts to compare`);
  }
  const items: Plan['items'] = [];
  for (const info of z.entries) {
    if (info === manifestEntry) continue;
    if (prefix && (info.path + (info.kind === 'dir' ? '/' : '')) === prefix) continue;
    if (!info.path.startsWith(prefix)) {
      warnings.push(`skipped ${info.path}: outside the Chroma folder in the zip`);
      continue;
    }
    const rel = info.path.slice(prefix.length);
    if (!isChromaPath(rel, info.kind)) {
      if (manifest) throw backupError('INVALID_ARGUMENT', 'zip.manifest', `${zipPath}: entry ${info.path} is not part of a Chroma folder and not in the manifest`);
      warnings.push(`skipped ${info.path}: not part of Chroma's folder layout`);
      continue;
    }
    items.push({ info, rel });
  }
  if (manifest) {
    const listed = new Map(manifest.files.map((f) => [f.path, f]));
    for (const { info, rel } of items) {
      if (info.kind !== 'file') continue;
      const f = listed.get(rel);
      if (!f) throw backupError('INVALID_ARGUMENT', 'zip.manifest', `${zipPath}: ${rel} is in the zip but not in its manifest (tampered with?)`);
      if (f.bytes !== info.size) throw backupError('INVALID_ARGUMENT', 'zip.corrupt', `${zipPath}: ${rel} is ${info.size} bytes in the zip but ${f.bytes} in the manifest`);
      listed.delete(rel);
    }
    if (listed.size > 0) throw backupError('INVALID_ARGUMENT', 'zip.corrupt', `${zipPath} is missing ${[...listed.keys()].join(', ')} listed in its manifest`);
  }
  if (!items.some((i) => i.rel === SQLITE_FILE)) throw backupError('INVALID_ARGUMENT', 'zip.not-a-backup', `${zipPath} has no ${SQLITE_FILE}`);
  return { manifest, prefix, items, warnings };
}

/**
 * Extracts a backup (or a plain zip of a Chroma folder) into `dir`, which must be empty and
 * private to the caller: every entry is checked for safety before a byte is written, free space
 * is checked first, and each file's CRC-32 and (with a manifest) SHA-256 are verified as it is
 * written. Throws on the first problem; the caller removes `dir`.
 */
export async function extractBackup(zipPath: string, dir: string, opts: ExtractOptions = {}): Promise<ExtractResult> {
  const z = await openZip(zipPath);
  try {
    const p = await plan(zipPath, z);
    const total = p.items.reduce((s, i) => s + (i.info.kind === 'file' ? i.info.size : 0), 0);
    const fsInfo = await (opts.statfs ?? fsStatfs)(dir);
    const avail = Number(fsInfo.bavail) * Number(fsInfo.bsize);
    if (avail < total + SPACE_MARGIN) {
      throw backupError('INTERNAL', 'no-space', `not enough free disk space to restore: ${total} bytes needed, ${avail} available on the target's disk`, { needed: total, available: avail });
    }
    const progress = new ProgressReporter(opts.onProgress, total);
    const sha = new Map(p.manifest?.files.map((f) => [f.path, f.sha256]) ?? []);
    const makeStream = opts.createWriteStream ?? ((path: string) => fsCreateWriteStream(path, { flags: 'wx', mode: 0o644 }));
    let files = 0;
    for (const { info, rel } of p.items) {
      throwIfAborted(opts.signal);
      const target = join(dir, ...rel.split('/'));
      const back = relative(dir, target);
      if (back.startsWith('..') || isAbsolute(back)) throw backupError('INVALID_ARGUMENT', 'zip.unsafe-entry', `entry ${info.path} would be written outside the target`);
      if (info.kind === 'dir') {
        await mkdir(target, { recursive: true, mode: 0o755 });
        continue;
      }
      if (rel.includes('/')) await mkdir(join(dir, rel.split('/')[0]!), { recursive: true, mode: 0o755 });
      const hash = new HashingStream((n) => progress.advance(n, `extracting ${rel}`));
      try {
        await pipeline(await openEntryStream(zipPath, z.zip, info), hash, makeStream(target), { signal: opts.signal });
      } catch (err) {
        const e = asCancelled(err, opts.signal);
        if (isNoSpace(e)) throw backupError('INTERNAL', 'no-space', `no space left on the device while extracting ${rel}`);
        if (e instanceof InspectorError) throw e;
        throw entryDamaged(zipPath, info.path, `cannot be extracted (damaged or truncated zip?): ${(e as Error).message}`);
      }
      if (hash.crc32 !== null && hash.crc32 !== info.crc32 >>> 0) throw entryDamaged(zipPath, info.path, 'it fails its CRC-32 check');
      const want = sha.get(rel);
      if (want && want !== hash.sha256) throw entryDamaged(zipPath, info.path, 'it does not match its SHA-256 in the manifest (damaged or altered)');
      files++;
    }
    for (const d of p.manifest?.directories ?? []) {
      if (isChromaPath(d, 'dir')) await mkdir(join(dir, d), { recursive: true, mode: 0o755 });
    }
    progress.report('extracted', true);
    return { manifest: p.manifest, warnings: p.warnings, files, bytes: total };
  } finally {
    z.close();
  }
}
