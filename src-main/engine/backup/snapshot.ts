import { createReadStream, createWriteStream, readdirSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { openReadOnly, translateSqliteError, type SqliteDatabase } from '../sqlite/connection.js';
import { SQLITE_FILE, isUuid } from '../folder/folder-files.js';
import { ChromaFolder } from '../chroma-folder.js';
import type { Catalog, CatalogCollection } from '../catalog/read-catalog.js';
import { backupError } from './backup-errors.js';
import { diffStamps, readVectorSeqs, scanSegmentFolder, type FolderStamps } from './live-state.js';
import { checkSnapshot } from './snapshot-check.js';
import type { ManifestCollection } from './manifest.js';
import { ProgressReporter, asCancelled, sleep, throwIfAborted, type TaskOptions } from './task.js';

export interface SnapshotOptions extends TaskOptions {
  /** Only this collection's segment folder (the DB is pruned later, by the caller). */
  collection?: CatalogCollection | null;
  excludeOrphans?: boolean;
  /** Capture attempts before giving up on a folder that keeps changing (default 6). */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt (default 250 ms). */
  backoffMs?: number;
  /** Test seam: runs after the segment files were copied, before the live state is re-read. */
  afterCopy?: (attempt: number) => void | Promise<void>;
}

/** A consistent copy of a Chroma folder in a private temp directory. */
export interface Snapshot {
  dir: string;
  /** Files to pack, relative to `dir` (`chroma.sqlite3` first). */
  files: string[];
  /** Segment folders with no file. */
  emptyDirs: string[];
  collections: ManifestCollection[];
  catalog: Catalog;
  era: { label: string; chromaVersions: string; rustCore: boolean };
  attempts: number;
  warnings: string[];
}

async function copyFile(src: string, dest: string, progress: ProgressReporter, signal?: AbortSignal): Promise<void> {
  await pipeline(
    createReadStream(src),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        progress.advance(chunk.length, `copying ${src}`);
        yield chunk;
      }
    },
    createWriteStream(dest, { flags: 'wx' }),
    { signal },
  );
}

/** The segment folders to copy, decided from the catalog of the database copy. */
function chooseFolders(liveDir: string, catalog: Catalog, opts: SnapshotOptions): { folders: string[]; warnings: string[] } {
  if (opts.collection) {
    const seg = catalog.collections.find((c) => c.id === opts.collection!.id)?.vectorSegment;
    return { folders: seg ? [seg.id] : [], warnings: [] };
  }
  const known = new Set(catalog.collections.flatMap((c) => c.segments.map((s) => s.id)));
  for (const s of catalog.danglingSegments) known.add(s.id);
  const folders: string[] = [];
  const warnings: string[] = [];
  for (const e of readdirSync(liveDir, { withFileTypes: true })) {
    if (e.name === SQLITE_FILE || e.name.startsWith(`${SQLITE_FILE}-`)) continue;
    if (e.isDirectory() && isUuid(e.name)) {
      if (known.has(e.name) || !opts.excludeOrphans) folders.push(e.name);
      continue;
    }
    warnings.push(`${e.name} is not part of Chroma's layout and was not backed up`);
  }
  return { folders: folders.sort(), warnings };
}

/**
 * Copies a folder that a running Chroma may be writing, and proves the copy agrees with itself
 * (docs/format.md §8.4): read every vector segment's persisted seq and stamp every segment
 * file; back up chroma.sqlite3 with SQLite's online backup API (read-only source); copy the
 * segment folders; re-read seqs and stamps. If anything moved, throw the copy away and retry with
 * backoff; then run the checkpoint checks (docs/format.md §6.9) on the copy. Never writes into `liveDir`.
 */
export async function captureSnapshot(liveDir: string, stagingDir: string, opts: SnapshotOptions = {}): Promise<Snapshot> {
  const maxAttempts = opts.maxAttempts ?? 6;
  const progress = new ProgressReporter(opts.onProgress);
  const liveDb = join(liveDir, SQLITE_FILE);
  let live: SqliteDatabase | null = null;
  let lastReason = '';
  try {
    live = openReadOnly(liveDb, { busyTimeoutMs: 10_000 });
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      throwIfAborted(opts.signal);
      if (attempt > 1) {
        progress.report(`the folder changed while copying (${lastReason}); retrying (attempt ${attempt} of ${maxAttempts})`, true);
        await sleep((opts.backoffMs ?? 250) * 2 ** (attempt - 2), opts.signal);
        await rm(stagingDir, { recursive: true, force: true });
      }
      await mkdir(stagingDir, { recursive: true });
      const seqsBefore = readVectorSeqs(live);
      const stampsBefore: FolderStamps = new Map();
      for (const name of readdirSync(liveDir).filter(isUuid)) {
        for (const [k, v] of scanSegmentFolder(liveDir, name).stamps) stampsBefore.set(k, v);
      }
      const dbBytes = (await stat(liveDb)).size;
      progress.total = dbBytes + [...stampsBefore.values()].reduce((s, f) => s + f.size, 0);
      progress.done = 0;
      progress.report('backing up chroma.sqlite3', true);
      const stagedDb = join(stagingDir, SQLITE_FILE);
      try {
        await live.backup(stagedDb, {
          progress: ({ totalPages, remainingPages }) => {
            throwIfAborted(opts.signal);
            progress.done = totalPages > 0 ? Math.round((dbBytes * (totalPages - remainingPages)) / totalPages) : 0;
            progress.report('backing up chroma.sqlite3');
            return 2048;
          },
        });
      } catch (err) {
        throw translateSqliteError(asCancelled(err, opts.signal), liveDb);
      }
      progress.done = dbBytes;

      const stagedFolder = ChromaFolder.open(stagingDir);
      const catalog = stagedFolder.catalog;
      const era = { label: stagedFolder.ctx.era.label, chromaVersions: stagedFolder.ctx.era.chromaVersions, rustCore: stagedFolder.ctx.era.rustCore };
      stagedFolder.close();
      const chosen = chooseFolders(liveDir, catalog, opts);
      const files: string[] = [SQLITE_FILE];
      const emptyDirs: string[] = [];
      const warnings = [...chosen.warnings];
      const copiedStamps: FolderStamps = new Map();
      for (const seg of chosen.folders) {
        const scan = scanSegmentFolder(liveDir, seg);
        if (!scan.exists) continue;
        for (const s of scan.skipped) warnings.push(`${s} is not a regular file and was not backed up`);
        await mkdir(join(stagingDir, seg));
        if (scan.files.length === 0) emptyDirs.push(seg);
        for (const rel of scan.files) {
          throwIfAborted(opts.signal);
          await copyFile(join(liveDir, rel), join(stagingDir, rel), progress, opts.signal);
          files.push(rel);
          copiedStamps.set(rel, scan.stamps.get(rel)!);
        }
      }
      await opts.afterCopy?.(attempt);

      // Did anything move between the first look and now?
      const seqsAfter = readVectorSeqs(live);
      const stagedSeqs = (() => {
        const db = openReadOnly(stagedDb);
        try {
          return readVectorSeqs(db);
        } finally {
          db.close();
        }
      })();
      const stampsAfter: FolderStamps = new Map();
      for (const seg of chosen.folders) for (const [k, v] of scanSegmentFolder(liveDir, seg).stamps) stampsAfter.set(k, v);
      const relevantBefore: FolderStamps = new Map([...stampsBefore].filter(([k]) => chosen.folders.includes(k.split('/')[0]!)));
      lastReason =
        diffSeqs(seqsBefore, seqsAfter, 'while copying') ??
        diffSeqs(seqsBefore, stagedSeqs, 'between reading it and backing up the database') ??
        diffStamps(relevantBefore, stampsAfter) ??
        diffStamps(copiedStamps, stampsAfter) ??
        '';
      if (lastReason) continue;

      progress.report('checking the copied HNSW checkpoints against the copied database', true);
      const ids = opts.collection ? new Set([opts.collection.id]) : null;
      const verdict = checkSnapshot(stagingDir, liveDir, { collectionIds: ids, signal: opts.signal });
      if (verdict.torn) {
        lastReason = verdict.torn;
        continue;
      }
      return { dir: stagingDir, files, emptyDirs, collections: verdict.collections, catalog, era, attempts: attempt, warnings: [...warnings, ...verdict.warnings] };
    }
    throw backupError(
      'FOLDER_BUSY',
      'snapshot.torn',
      `could not take a consistent backup of ${liveDir} in ${maxAttempts} attempts: the folder kept changing while it was copied (last: ${lastReason}). ` +
        'Stop the Chroma process writing to it, or retry when it is idle.',
      { attempts: maxAttempts, lastChange: lastReason },
    );
  } finally {
    live?.close();
  }
}

function diffSeqs(before: Map<string, string>, after: Map<string, string>, when: string): string | null {
  for (const [seg, seq] of after) {
    const b = before.get(seg);
    if (b !== undefined && b !== seq) return `vector segment ${seg}'s max_seq_id moved from ${b} to ${seq} ${when}`;
  }
  for (const seg of before.keys()) if (!after.has(seg)) return `vector segment ${seg} disappeared ${when}`;
  return null;
}
