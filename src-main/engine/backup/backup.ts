import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { stat, statfs as fsStatfs } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, isAbsolute } from 'node:path';
import type { CollectionRef } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import { ChromaFolder } from '../chroma-folder.js';
import type { CatalogCollection } from '../catalog/read-catalog.js';
import { SQLITE_FILE } from '../folder/folder-files.js';
import { isNoSpace } from './backup-errors.js';
import type { StatFsLike } from './extract.js';
import { MANIFEST_FORMAT, MANIFEST_FORMAT_VERSION, type Manifest, type ManifestFile } from './manifest.js';
import { pruneToCollection } from './prune-collection.js';
import { captureSnapshot } from './snapshot.js';
import { checkSnapshot } from './snapshot-check.js';
import { asCancelled, throwIfAborted, type TaskOptions } from './task.js';
import { makeTempDir, removeQuietly } from './temp-dir.js';
import { publishWithoutOverwrite } from './publish-file.js';
import { toolVersion } from './tool-version.js';
import { writeZip, type ZipSource } from './zip-writer.js';

export interface BackupOptions extends TaskOptions {
  /** Back up one collection only: its segment folder and a database copy without the others. */
  collection?: CollectionRef | string;
  /** Leave out segment folders that belong to no segment (left behind by deleted collections). */
  excludeOrphans?: boolean;
  /** Where the temporary copy goes (default: the OS temp dir). Never inside the source folder. */
  tmpDir?: string;
  maxAttempts?: number;
  backoffMs?: number;
  forceZip64?: boolean;
  /** Injected for tests; default fs.promises.statfs. */
  statfs?: (path: string) => Promise<StatFsLike>;
  /** Test seam, see SnapshotOptions.afterCopy. */
  afterCopy?: (attempt: number) => void | Promise<void>;
}

export interface BackupResult {
  zip: string;
  bytes: number;
  manifest: Manifest;
}

/**
 * Bytes of what a backup copies: chroma.sqlite3 and everything one level down in segment folders.
 * A live Chroma creates and removes files (journals, staging folders) as we list them: a file gone
 * by the time we look counts as nothing.
 */
function folderBytes(dir: string): number {
  const size = (p: string) => statSync(p, { throwIfNoEntry: false })?.size ?? 0;
  const entries = (p: string) => {
    try {
      return readdirSync(p, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  };
  let total = 0;
  for (const e of entries(dir)) {
    const p = join(dir, e.name);
    if (e.isFile()) total += size(p);
    else if (e.isDirectory()) for (const f of entries(p)) if (f.isFile()) total += size(join(p, f.name));
  }
  return total;
}

/**
 * The copy needs the folder's size in the temp dir, and the zip at most about as much again
 * beside the output (deflate never grows data much). Refuse up front rather than fail halfway.
 */
async function checkSpace(src: string, tmp: string, outDir: string, statfs: ((p: string) => Promise<StatFsLike>) = fsStatfs): Promise<void> {
  const need = folderBytes(src);
  const free = async (p: string) => {
    const s = await statfs(p);
    return Number(s.bavail) * Number(s.bsize);
  };
  const tmpFree = await free(tmp);
  const outFree = await free(outDir);
  const margin = 16 * 1024 * 1024;
  const sameDisk = (await stat(tmp)).dev === (await stat(outDir)).dev;
  const problems: string[] = [];
  if (sameDisk ? tmpFree < 2 * need + margin : tmpFree < need + margin) problems.push(`${tmp} has ${tmpFree} bytes free, the temporary copy needs ${sameDisk ? 2 * need : need}`);
  if (!sameDisk && outFree < need + margin) problems.push(`${outDir} has ${outFree} bytes free, the zip may need up to ${need}`);
  if (problems.length > 0) {
    throw new InspectorError('INTERNAL', `not enough free disk space to back up ${src}: ${problems.join('; ')}`, { reason: 'no-space', needed: need });
  }
}

const inside = (parent: string, child: string) => {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/**
 * Backs up a Chroma folder to a zip, consistently even while Chroma is writing to it: the
 * database through SQLite's online backup API from a read-only connection, the HNSW folders
 * copied and re-checked until they agree with it (see captureSnapshot). The source folder is
 * never written: the copy is made in a private temp dir and the zip goes to `${outZip}.partial-…`,
 * renamed into place only when complete. On failure or cancel nothing is left behind.
 */
export async function backup(folder: string, outZip: string, opts: BackupOptions = {}): Promise<BackupResult> {
  const src = resolve(folder);
  const out = resolve(outZip);
  if (inside(src, out)) {
    throw new InspectorError('INVALID_ARGUMENT', `the backup zip ${out} must not be inside the folder being backed up (${src})`);
  }
  if (existsSync(out)) throw new InspectorError('INVALID_ARGUMENT', `${out} already exists; choose a new file name`);
  if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory()) {
    throw new InspectorError('NOT_FOUND', `cannot write ${out}: folder ${dirname(out)} does not exist`);
  }
  if (opts.tmpDir && inside(src, resolve(opts.tmpDir))) {
    throw new InspectorError('INVALID_ARGUMENT', 'the temp folder must not be inside the folder being backed up');
  }
  // Validates the folder (read-only) and resolves the collection.
  let keep: CatalogCollection | null = null;
  const probe = ChromaFolder.open(src);
  try {
    if (opts.collection !== undefined) keep = probe.collection(opts.collection).catalog;
  } finally {
    probe.close();
  }

  await checkSpace(src, opts.tmpDir ?? tmpdir(), dirname(out), opts.statfs);
  const staging = await makeTempDir('chroma-backup-', opts.tmpDir);
  const partial = `${out}.partial-${randomBytes(4).toString('hex')}`;
  let partialCreated = false;
  try {
    const say = (prefix: string) => (p: { done: number; total: number; message: string }) => opts.onProgress?.({ ...p, message: `${prefix}: ${p.message}` });
    const snap = await captureSnapshot(src, join(staging, 'folder'), {
      collection: keep,
      excludeOrphans: opts.excludeOrphans ?? false,
      maxAttempts: opts.maxAttempts,
      backoffMs: opts.backoffMs,
      afterCopy: opts.afterCopy,
      signal: opts.signal,
      onProgress: say('snapshot'),
    });
    let collections = snap.collections;
    if (keep) {
      throwIfAborted(opts.signal);
      const kept = snap.catalog.collections.find((c) => c.id === keep!.id);
      if (!kept) throw new InspectorError('NOT_FOUND', `collection ${keep.name} was deleted while it was being backed up`);
      pruneToCollection(join(snap.dir, SQLITE_FILE), kept);
      collections = checkSnapshot(snap.dir, src, { collectionIds: new Set([kept.id]), signal: opts.signal }).collections;
      const before = snap.collections.find((c) => c.id === kept.id)?.count;
      if (collections.length !== 1 || collections[0]!.count !== before) {
        throw new InspectorError('INTERNAL', `pruning the database copy to collection ${kept.name} changed its count (${before} → ${collections[0]?.count})`);
      }
    }
    throwIfAborted(opts.signal);
    const sources: ZipSource[] = [];
    for (const rel of snap.files) {
      const st = await stat(join(snap.dir, rel));
      sources.push({ rel, abs: join(snap.dir, rel), bytes: st.size, mtime: st.mtime });
    }
    const warnings = [...snap.warnings];
    const makeManifest = (files: ManifestFile[]): Buffer => {
      const manifest: Manifest = {
        format: MANIFEST_FORMAT,
        formatVersion: MANIFEST_FORMAT_VERSION,
        tool: toolVersion(),
        createdAt: new Date().toISOString(),
        sourceName: basename(src),
        era: snap.era,
        scope: {
          collection: keep ? { id: keep.id, name: keep.name, tenant: keep.tenant, database: keep.database } : null,
          excludeOrphans: opts.excludeOrphans ?? false,
        },
        collections,
        files,
        directories: snap.emptyDirs,
        warnings,
        attempts: snap.attempts,
      };
      lastManifest = manifest;
      return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    };
    let lastManifest: Manifest | null = null;
    partialCreated = true;
    await writeZip(partial, sources, snap.emptyDirs, makeManifest, {
      forceZip64: opts.forceZip64,
      signal: opts.signal,
      onProgress: say('zip'),
    });
    throwIfAborted(opts.signal);
    await publishWithoutOverwrite(partial, out);
    partialCreated = false;
    return { zip: out, bytes: (await stat(out)).size, manifest: lastManifest! };
  } catch (err) {
    const e = asCancelled(err, opts.signal);
    if (isNoSpace(e)) {
      throw new InspectorError('INTERNAL', `no space left on the device while writing the backup (${(e as Error).message})`, { reason: 'no-space' });
    }
    throw e;
  } finally {
    if (partialCreated) await removeQuietly(partial);
    await removeQuietly(staging);
  }
}
