import { copyFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { MigrationPreview, PreviewCollection, ReleaseCompatibility } from '../../../shared/models.js';
import { InspectorError, invalidArgument } from '../../../shared/errors.js';
import { ChromaFolder } from '../chroma-folder.js';
import { SQLITE_FILE } from '../folder/folder-files.js';
import { captureSnapshot } from '../backup/snapshot.js';
import { asCancelled, throwIfAborted, type TaskOptions } from '../backup/task.js';
import { removeQuietly } from '../backup/temp-dir.js';
import type { SqliteDatabase } from '../sqlite/connection.js';
import { applyAtStart } from './apply-at-start.js';
import { knownReleases, resolveRelease, type ChromaRelease, type ResolvedRelease } from './chroma-releases.js';
import { diffData } from './data-diff.js';
import { firstUseNotes, walWarnings } from './first-use.js';
import { asSqliteError, prepareNewFolder, publishNewFolder } from './new-folder.js';
import { readAppliedMigrations, verdictFor, type AppliedMigration, type ReleaseVerdict } from './release-verdict.js';
import { diffSchemas, readSchema } from './schema-diff.js';
import { checkMigrationWithRealChroma, migrationExpectations } from './migration-real-chroma.js';
import { resolveRealChroma, type RealChromaOptions } from '../verify/real-chroma-check.js';
import type { ChromaSetting } from '../verify/find-chroma.js';

export interface PreviewOptions extends TaskOptions {
  /** The Chroma release to preview: `1.3.4` (Python package numbering) or `js-1.3.4` (JS bindings). */
  to: string;
  /** Which real Chroma opens the migrated copy: 'auto' (default: one installed here, if any), 'off', or an executable's path. */
  verifyWithChroma?: ChromaSetting;
  /** The real-Chroma check's time limit, and its test seams. */
  realChromaOptions?: Pick<RealChromaOptions, 'timeoutMs' | 'beforeStart' | 'onStarted'>;
}

const releaseName = (r: ChromaRelease) => (r.line === 'js' ? r.label : `Python ${r.label}`);

/** What every known release does with a folder whose migrations are `applied`. */
export function compatibilityOf(applied: readonly AppliedMigration[]): ReleaseCompatibility[] {
  return knownReleases().map((r) => {
    const v = verdictFor(applied, r);
    return { release: releaseName(r), line: r.line, verdict: v.verdict, migrations: v.toApply.map((m) => `${m.dir}/${m.filename}`), reason: v.reason };
  });
}

const opensAsIs = (c: readonly ReleaseCompatibility[]) => c.filter((x) => x.verdict === 'opens').map((x) => x.release);

function countCollections(dir: string): { collections: Omit<PreviewCollection, 'countAfter'>[]; era: string } {
  const folder = ChromaFolder.open(dir);
  try {
    const collections = folder.catalog.collections.map((c) => {
      let countBefore: number | null = null;
      try {
        countBefore = folder.count(c.id);
      } catch {
        /* a damaged collection: reported as unknown */
      }
      return { tenant: c.tenant, database: c.database, name: c.name, id: c.id, countBefore };
    });
    return { collections, era: folder.ctx.era.label };
  } finally {
    folder.close();
  }
}

function readSourceMigrations(dir: string): { applied: AppliedMigration[]; era: string } {
  const folder = ChromaFolder.open(dir);
  try {
    return { applied: folder.snapshot(() => readAppliedMigrations(folder.ctx.db)), era: folder.ctx.era.label };
  } finally {
    folder.close();
  }
}

/** The release's verdict on a folder with these migrations; throws when it refuses the folder or is older than it. */
function refuseUnless(target: ResolvedRelease, applied: readonly AppliedMigration[], era?: string): ReleaseVerdict {
  const verdict = verdictFor(applied, target.release);
  const opening = opensAsIs(compatibilityOf(applied));
  if (verdict.verdict === 'refuses') {
    throw new InspectorError('UNKNOWN_SCHEMA', `${target.name} refuses this folder: ${verdict.reason}. It opens as is with: ${opening.join(', ') || 'no known release'}`, {
      reason: 'refused',
      release: target.version,
    });
  }
  if (verdict.verdict === 'newer-folder') {
    throw invalidArgument(
      `${target.name} is older than this folder${era ? ` (written by Chroma ${era})` : ''}: Chroma does not migrate a folder back (docs/format.md §2.5); ${verdict.reason}. ` +
        `Choose ${opening.length ? `one of ${opening.join(', ')} or newer` : 'a newer release'}`,
      { reason: 'downgrade', release: target.version },
    );
  }
  return verdict;
}

/**
 * "What will Chroma X do to this folder?" (docs/format.md §2.7): a verified snapshot of `source`
 * (backup/snapshot.ts) is staged beside `newFolder`, exactly the migrations and start-up writes
 * the release makes are applied to it, the result is compared with the snapshot (schema and data)
 * and opened with the read engine, and only then renamed to `newFolder`. The source folder is only
 * read. A release that would refuse the folder, or is older than it, is refused with the reason.
 */
export async function previewMigration(source: string, newFolder: string, opts: PreviewOptions): Promise<MigrationPreview> {
  const target = resolveRelease(opts.to);
  // A release that refuses the folder, or is older than it, is refused before anything is copied.
  const original = readSourceMigrations(resolve(source));
  refuseUnless(target, original.applied, original.era);
  const realChroma = await resolveRealChroma(opts.verifyWithChroma ?? 'auto', opts.signal);
  const nf = await prepareNewFolder(source, newFolder, 'migration preview');
  const progress = (message: string, done = 0, total = 0) => opts.onProgress?.({ done, total, message });
  let db: SqliteDatabase | null = null;
  try {
    const snapshot = await captureSnapshot(resolve(source), nf.staging, { signal: opts.signal, onProgress: opts.onProgress });
    throwIfAborted(opts.signal);
    progress('counting the records of the copy');
    const before = countCollections(nf.staging);
    const expected = migrationExpectations(realChroma, nf.staging, before.collections, opts.signal);
    const file = join(nf.staging, SQLITE_FILE);
    const beforeFile = join(nf.staging, `.${SQLITE_FILE}.before-migration`);
    copyFileSync(file, beforeFile);

    db = new Database(file, { fileMustExist: true });
    db.pragma('foreign_keys = OFF'); // as Chroma runs its migrations (docs/format.md §2.1)
    const applied = readAppliedMigrations(db);
    const compatibility = compatibilityOf(applied);
    const verdict = refuseUnless(target, applied, before.era);
    const opening = opensAsIs(compatibility);
    progress(`applying ${verdict.toApply.length} migration(s) of ${target.name}`);
    const atStart = applyAtStart(db, target, verdict.toApply);
    const warnings = [...snapshot.warnings, ...(target.release.rustCore ? walWarnings(db, target.name) : [])];
    throwIfAborted(opts.signal);

    db.prepare('ATTACH DATABASE ? AS before').run(beforeFile);
    const schemaBefore = readSchema(db, 'before');
    const schemaAfter = readSchema(db, 'main');
    const tables = new Set([...schemaBefore.values(), ...schemaAfter.values()].filter((o) => o.type === 'table').map((o) => o.name)).size;
    let seen = 0;
    const data = diffData(db, schemaBefore, schemaAfter, (table) => {
      throwIfAborted(opts.signal);
      progress(`comparing ${table}`, seen++, tables);
    });
    db.exec('DETACH DATABASE before');
    const appliedAfter = readAppliedMigrations(db);
    db.close();
    db = null;
    rmSync(beforeFile, { force: true });
    if (verdictFor(appliedAfter, target.release).verdict !== 'opens') {
      throw new InspectorError('INTERNAL', `after applying its migrations, ${target.name} would still migrate the copy: please report this`);
    }

    progress('opening the migrated copy and counting its records');
    const after = countCollections(nf.staging);
    const collections: PreviewCollection[] = before.collections.map((c) => ({ ...c, countAfter: after.collections.find((x) => x.id === c.id)?.countBefore ?? null }));
    for (const c of collections) {
      if (c.countAfter !== c.countBefore) warnings.push(`collection ${c.name} counts ${c.countBefore ?? 'unknown'} records before and ${c.countAfter ?? 'unknown'} after the migration`);
    }
    throwIfAborted(opts.signal);
    if (realChroma.found) progress(`opening the migrated copy with the Chroma installed here`);
    const real = await checkMigrationWithRealChroma(realChroma, nf.staging, expected, target, { ...opts.realChromaOptions, signal: opts.signal, say: (m) => progress(m) });
    throwIfAborted(opts.signal);
    await publishNewFolder(nf, 'migration preview');
    return {
      source: resolve(source),
      folder: nf.target,
      target: { name: target.name, version: target.version, line: target.release.line, release: releaseName(target.release), rustCore: target.release.rustCore },
      eraBefore: before.era,
      eraAfter: after.era,
      migrationsApplied: verdict.toApply.map((m) => ({ dir: m.dir, version: m.version, filename: m.filename })),
      atStart,
      schema: diffSchemas(schemaBefore, schemaAfter),
      data,
      collections,
      canOpenWithoutMigrating: opening,
      compatibility,
      afterwardsOpenWithoutMigrating: opensAsIs(compatibilityOf(appliedAfter)),
      notes: firstUseNotes(snapshot.era.rustCore, target.release, schemaAfter),
      warnings: [...nf.cleaned.map((n) => `removed ${n}: left behind by an interrupted run`), ...warnings],
      realChroma: real,
    };
  } catch (err) {
    if (db?.open) db.close();
    await removeQuietly(nf.staging);
    throw asSqliteError(asCancelled(err, opts.signal), join(nf.staging, SQLITE_FILE));
  }
}
