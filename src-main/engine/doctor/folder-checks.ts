import { statfsSync } from 'node:fs';
import type { FolderInfo } from '../../../shared/models.js';
import type { SqliteDatabase } from '../sqlite/connection.js';
import { SQLITE_FILE } from '../folder/folder-files.js';
import type { Findings } from './findings.js';

/** Free bytes for an unprivileged writer on the filesystem holding `dir`, or null when the platform cannot say. */
export function freeDiskBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}

/**
 * VACUUM writes a complete new copy of the database and journals the old pages, so it can need
 * up to about twice the database's size (docs/format.md §9.2, F5). Null free space: unknown, no finding.
 */
export function checkDiskForVacuum(freeBytes: number | null, databaseBytes: number, findings: Findings): number {
  const needs = 2 * databaseBytes;
  if (freeBytes !== null && freeBytes < needs) {
    findings.add({
      code: 'disk.vacuum-space',
      severity: 'warning',
      title: `too little free disk for VACUUM: ${freeBytes} bytes free, up to ${needs} needed`,
      chromaWould: '`chroma utils vacuum` (and any VACUUM) fails with "database or disk is full" part-way, leaving the database as it was (docs/format.md §9.2, F5).',
      fix: null,
      remedy: 'Free disk space on this filesystem first, or vacuum a copy on another disk (`fix --only purge-wal` writes its result to a new folder).',
      evidence: { numbers: { freeBytes, databaseBytes, vacuumNeedsBytes: needs }, files: [SQLITE_FILE] },
    });
  }
  return needs;
}

/** Era and migrations, journal mode and side files, signs of a running Chroma. */
export function checkFolder(info: FolderInfo, db: SqliteDatabase, findings: Findings): void {
  for (const p of info.problems.filter((x) => x.code.startsWith('migration.'))) {
    findings.add({
      code: p.code,
      severity: 'warning',
      title: p.code === 'migration.v040' ? 'written by Chroma 0.4.0, whose metadata migration later releases reject' : 'a migration row no Chroma release wrote',
      chromaWould: 'Chroma compares its migration files with the rows at startup and refuses to start on any difference (docs/format.md §2.2, §9.2, F6).',
      fix: null,
      remedy: 'Copy the data into a folder written by a released Chroma (export, then import), or run the matching dev build.',
      evidence: { numbers: {}, files: [SQLITE_FILE], notes: [p.message] },
    });
  }
  const mode = info.journalMode.toLowerCase();
  if (mode !== 'delete') {
    findings.add({
      code: 'sqlite.journal-mode',
      severity: mode === 'wal' ? 'warning' : 'info',
      title: `chroma.sqlite3 is in ${mode} journal mode (Chroma never sets it)`,
      chromaWould:
        mode === 'wal'
          ? 'Chroma works in WAL mode, but the database is then three files: chroma.sqlite3-wal and -shm must be copied and backed up with it, or recent writes are lost (docs/format.md §1.1, §2.1).'
          : 'Chroma keeps whatever journal mode the file has (docs/format.md §2.1).',
      fix: null,
      remedy: mode === 'wal' ? 'Switch back with `PRAGMA journal_mode=DELETE` while no process has the folder open, or always copy the three files together.' : 'Nothing needed.',
      evidence: { numbers: {}, files: info.files.filter((f) => f.kind === 'sqlite-side').map((f) => f.path) },
    });
  }
  if (info.files.some((f) => f.path === `${SQLITE_FILE}-journal`)) {
    findings.add({
      code: 'sqlite.journal-file',
      severity: 'warning',
      title: 'a rollback journal sits beside chroma.sqlite3',
      chromaWould: 'A write transaction is running, or a writer crashed and left a hot journal that the next writer rolls back (docs/format.md §1.1): it belongs to the database and must be copied with it.',
      fix: null,
      remedy: 'If no Chroma is running, open the folder once with Chroma (or sqlite3) so SQLite rolls the journal back.',
      evidence: { numbers: {}, files: [`${SQLITE_FILE}-journal`] },
    });
  }
  if (info.activity.likelyInUse) {
    findings.add({
      code: 'folder.in-use',
      severity: 'info',
      title: 'a Chroma process may have this folder open',
      chromaWould: 'A running Chroma keeps writing: counts, backlogs and checkpoints may change while you read this report (docs/format.md §8.2).',
      fix: null,
      remedy: 'Stop Chroma before repairing; run the doctor again for a settled picture.',
      evidence: { numbers: {}, notes: info.activity.reasons },
    });
  }
}

/** SQLite's own check of every page (`PRAGMA quick_check`): the slowest read of the doctor on a large database. */
export function checkIntegrity(db: SqliteDatabase, findings: Findings): void {
  const check = (db.prepare('PRAGMA quick_check(20)').all() as { quick_check: string }[]).map((r) => r.quick_check);
  // Newer SQLite also checks each FTS5 index against its stored text; Chroma's `$contains` never
  // uses that index (a LIKE with ESCAPE scans the stored text, docs/format.md §7.5), so a mismatch
  // there is its own, milder finding.
  const fts = check.filter((m) => /inverted index for FTS5 table/i.test(m));
  const other = check.filter((m) => m !== 'ok' && !fts.includes(m));
  if (fts.length > 0) {
    findings.add({
      code: 'fts.index-mismatch',
      severity: 'warning',
      title: 'the full-text index does not match its stored text (SQLite\'s FTS5 integrity check)',
      chromaWould:
        "Chroma's `$contains` reads the stored text with LIKE, not the index (docs/format.md §7.5), so its answers do not change; FTS5 MATCH queries by other tools can miss records. " +
        'An index built by an SQLite whose trigram tokenizer differs (e.g. on documents holding NUL characters) looks like this.',
      fix: 'fts-rebuild',
      remedy: 'Rebuild the full-text index on a copy (`fix --only fts-rebuild`).',
      evidence: { numbers: { problems: fts.length }, files: [SQLITE_FILE], notes: fts },
    });
  }
  if (other.length > 0) {
    findings.add({
      code: 'sqlite.integrity',
      severity: 'error',
      title: `SQLite's integrity check fails on chroma.sqlite3 (${other.length} problem(s) shown)`,
      chromaWould: 'Chroma reads through the damage until it hits it, then fails with "database disk image is malformed".',
      fix: null,
      remedy: 'Restore a backup, or recover what SQLite can read (`sqlite3 chroma.sqlite3 .recover`) into a copy.',
      evidence: { numbers: { problems: other.length }, files: [SQLITE_FILE], notes: other },
    });
  }
}
