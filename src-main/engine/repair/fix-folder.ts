import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FIX_KINDS, type FixKind, type FixReport, type FixStepReport } from '../../../shared/models.js';
import { InspectorError, invalidArgument } from '../../../shared/errors.js';
import { ChromaFolder } from '../chroma-folder.js';
import { SQLITE_FILE, listFolderFiles } from '../folder/folder-files.js';
import { captureSnapshot } from '../backup/snapshot.js';
import { ProgressReporter, asCancelled, throwIfAborted, type Progress, type TaskOptions } from '../backup/task.js';
import { removeQuietly } from '../backup/temp-dir.js';
import { prepareNewFolder, publishNewFolder } from '../migrate/new-folder.js';
import { FolderWriter } from '../write/folder-writer.js';
import type { FixContext, FixStep } from './fix-step.js';
import { fixOrphans } from './orphans-fix.js';
import { rebuildFts } from './fts-rebuild.js';
import { rebuildHnsw } from './hnsw-rebuild.js';
import { purgeWalFix } from './purge-wal-fix.js';
import { captureFacts } from './repair-facts.js';
import { verifyRepair } from './repair-verify.js';
import { checkRepairWithRealChroma } from './repair-real-chroma.js';
import { resolveRealChroma, type RealChromaOptions } from '../verify/real-chroma-check.js';
import type { ChromaSetting } from '../verify/find-chroma.js';

export interface FixOptions extends TaskOptions {
  /** The fixes to apply (default: all of them). They always run in the order of FIX_ORDER. */
  only?: readonly FixKind[];
  /** Test seam: runs after the fixes, before the verification. */
  afterFixes?: (staging: string) => void | Promise<void>;
  /** Which real Chroma re-opens the repaired copy before it is published: 'auto' (default: one installed here, if any), 'off', or an executable's path. */
  verifyWithChroma?: ChromaSetting;
  /** The real-Chroma check's time limit, and its test seams. */
  realChromaOptions?: Pick<RealChromaOptions, 'timeoutMs' | 'beforeStart' | 'onStarted'>;
}

/**
 * Orphans first (so no dead collection's rows are rebuilt or counted), then the full-text index,
 * then the vector indexes (they may need the WAL rows), and the WAL purge last, once every
 * vector it would drop is safely in a checkpoint (docs/format.md §8.5).
 */
export const FIX_ORDER: readonly FixKind[] = ['orphans', 'fts-rebuild', 'hnsw-rebuild', 'purge-wal'];

const STEPS: Record<FixKind, FixStep> = {
  orphans: fixOrphans,
  'fts-rebuild': rebuildFts,
  'hnsw-rebuild': rebuildHnsw,
  'purge-wal': purgeWalFix,
};

const WHAT = 'repaired folder';

export function fixKindsOf(only: readonly FixKind[] | undefined): FixKind[] {
  if (only === undefined) return [...FIX_ORDER];
  const unknown = only.filter((k) => !FIX_KINDS.includes(k));
  if (unknown.length > 0) throw invalidArgument(`unknown fix ${unknown.map((k) => JSON.stringify(k)).join(', ')} (the fixes are ${FIX_KINDS.join(', ')})`);
  if (only.length === 0) throw invalidArgument(`name at least one fix (${FIX_KINDS.join(', ')})`);
  return FIX_ORDER.filter((k) => only.includes(k));
}

/** The copy needs the folder's size beside the target, and VACUUM about the database's size again. */
async function checkSpace(source: string, target: string, kinds: readonly FixKind[]): Promise<void> {
  const files = listFolderFiles(source);
  const total = files.reduce((s, f) => s + f.bytes, 0);
  const db = files.find((f) => f.path === SQLITE_FILE)?.bytes ?? 0;
  const need = total + (kinds.includes('purge-wal') ? db : 0) + 16 * 1024 * 1024;
  let free: number;
  try {
    const s = await statfs(dirname(target));
    free = Number(s.bavail) * Number(s.bsize);
  } catch {
    return; // unknown: the copy fails with ENOSPC instead, and leaves nothing behind
  }
  if (free < need) {
    throw new InspectorError('INTERNAL', `not enough free disk space beside ${target}: ${free} bytes free, the repair needs about ${need}`, { reason: 'no-space', needed: need });
  }
}

/**
 * Copy-first repair: snapshots `source` (consistently, even while Chroma writes to it; the source
 * is only ever read) into a hidden staging folder beside `target`, applies the chosen fixes to the
 * copy in every tenant and database, re-opens the copy with the read engine and checks it against
 * the original (repair-verify.ts), then with a real Chroma when one is installed here
 * (repair-real-chroma.ts), and only then renames it into place. On any failure, a fix that
 * cannot be verified, or a cancel, nothing is left at the target and the staging folder is removed.
 */
export async function fixFolder(source: string, target: string, opts: FixOptions = {}): Promise<FixReport> {
  const src = resolve(source);
  const kinds = fixKindsOf(opts.only);
  // The source must be a Chroma folder our engine opens (read-only) before anything is copied.
  ChromaFolder.open(src).close();
  // A named Chroma that does not exist or run is refused before anything is copied.
  const realChroma = await resolveRealChroma(opts.verifyWithChroma ?? 'auto', opts.signal);
  const progress = new ProgressReporter(opts.onProgress);
  const phase = (prefix: string) => (p: Progress) => opts.onProgress?.({ ...p, message: `${prefix}: ${p.message}` });
  const newFolder = await prepareNewFolder(src, target, WHAT);
  try {
    await checkSpace(src, newFolder.target, kinds);
    const snap = await captureSnapshot(src, newFolder.staging, { signal: opts.signal, onProgress: phase('copying') });
    const warnings = [...newFolder.cleaned.map((n) => `removed ${n}: left behind by an interrupted run`), ...snap.warnings];
    progress.total = kinds.length + (realChroma.found ? 3 : 2);
    const say = (message: string) => progress.report(message, true);
    say('reading the original');
    const before = captureFacts(newFolder.staging, opts.signal, (m) => say(`original: ${m}`));
    progress.done = 1;
    const ctx: FixContext = {
      dir: newFolder.staging,
      writer: FolderWriter.open(newFolder.staging),
      signal: opts.signal,
      say,
      vectorsRewritten: new Set(),
      recovered: new Map(),
    };
    const fixes: FixStepReport[] = [];
    try {
      for (const kind of kinds) {
        throwIfAborted(opts.signal);
        fixes.push(await STEPS[kind](ctx));
        progress.done++;
      }
    } finally {
      ctx.writer.close();
    }
    await opts.afterFixes?.(newFolder.staging);
    throwIfAborted(opts.signal);
    const verification = verifyRepair(newFolder.staging, before, {
      vectorsRewritten: ctx.vectorsRewritten,
      recovered: ctx.recovered,
      ftsRebuilt: fixes.some((f) => f.kind === 'fts-rebuild' && f.changed),
      signal: opts.signal,
      say: (m) => say(`verify: ${m}`),
    });
    throwIfAborted(opts.signal);
    const real = await checkRepairWithRealChroma(realChroma, newFolder.staging, before, ctx, { ...opts.realChromaOptions, signal: opts.signal, say: (m) => say(`verify: ${m}`) });
    throwIfAborted(opts.signal);
    await publishNewFolder(newFolder, WHAT);
    progress.done = progress.total;
    say('done');
    return { source: src, target: newFolder.target, backup: null, kinds, fixes, verification, warnings, realChroma: real };
  } catch (err) {
    await removeQuietly(newFolder.staging);
    throw asCancelled(err, opts.signal);
  }
}
