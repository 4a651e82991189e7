import type { SqliteDatabase } from '../sqlite/connection.js';
import { METADB_00001_V040 } from '../folder/migration-catalogue.js';
import type { ChromaRelease, MigrationDir, ShippedMigration } from './chroma-releases.js';

/** One row of a folder's `migrations` table. */
export interface AppliedMigration {
  dir: string;
  version: number;
  filename: string;
  hash: string;
  sql: string;
}

/**
 * What a release does when it starts on a folder (docs/format.md §2.2):
 * - `opens`: its migration set equals the folder's; it starts without migrating;
 * - `migrates`: it applies `toApply` first;
 * - `refuses`: a version, hash or (Rust) SQL text differs; it stops with an inconsistent-migration error;
 * - `newer-folder`: the folder has migrations the release does not ship; it starts without a word
 *   on a schema it does not know (a downgrade, unsupported: docs/format.md §2.5).
 */
export type VerdictKind = 'opens' | 'migrates' | 'refuses' | 'newer-folder';

export interface ReleaseVerdict {
  verdict: VerdictKind;
  /** Why it refuses, or which migrations the folder has beyond it; null otherwise. */
  reason: string | null;
  /** The migrations it applies, in the order it applies them. */
  toApply: ShippedMigration[];
}

/** Rust gathers sysdb, metadb, embeddings_queue; Python goes embeddings_queue, sysdb, metadb (docs/format.md §2.2). */
export const RUST_DIRS: readonly MigrationDir[] = ['sysdb', 'metadb', 'embeddings_queue'];
export const PYTHON_DIRS: readonly MigrationDir[] = ['embeddings_queue', 'sysdb', 'metadb'];

export function readAppliedMigrations(db: SqliteDatabase): AppliedMigration[] {
  return (db.prepare('SELECT dir, version, filename, hash, sql FROM migrations ORDER BY dir, version').all() as AppliedMigration[]).map((r) => ({
    ...r,
    version: Number(r.version),
    hash: String(r.hash),
    sql: String(r.sql),
  }));
}

const name = (m: { dir: string; filename: string }) => `${m.dir}/${m.filename}`;

/**
 * Chroma's own check, per dir: the applied rows and the shipped files, both by version, compared
 * position by position over the shorter list (version, then hash, then — Rust only — the SQL text).
 * Hashes are compared as Chroma compares them: against the MD5 its default configuration computes.
 */
export function verdictFor(applied: readonly AppliedMigration[], release: ChromaRelease): ReleaseVerdict {
  const toApply: ShippedMigration[] = [];
  const beyond: string[] = [];
  for (const dir of release.rustCore ? RUST_DIRS : PYTHON_DIRS) {
    const rows = applied.filter((m) => m.dir === dir).sort((a, b) => a.version - b.version);
    const files = release.shipped.filter((m) => m.dir === dir);
    for (let i = 0; i < Math.min(rows.length, files.length); i++) {
      const row = rows[i]!;
      const file = files[i]!;
      if (row.version !== file.version) {
        return refuse(`${dir}: the folder's migration ${row.version} (${row.filename}) stands where it ships ${name(file)} (inconsistent version)`);
      }
      if (row.hash !== file.md5) {
        const sha = row.hash.length === 64 ? '; the folder recorded SHA-256 hashes, so only a Chroma configured for SHA-256 migration hashes accepts it' : '';
        const v040 = dir === 'metadb' && row.version === 1 && row.hash === METADB_00001_V040.md5;
        return refuse(
          `${name(row)}: the folder's hash ${row.hash} differs from the ${file.md5} of the file it ships (inconsistent hash${
            v040 ? ': the folder was created by Chroma 0.4.0, whose metadb/00001 every later release rejects, docs/format.md §9.2 F6' : ''
          }${sha})`,
        );
      }
      if (release.rustCore && file.sql !== null && row.sql !== file.sql) {
        return refuse(`${name(row)}: the SQL text stored in the folder differs from the file it ships (Rust compares the text too)`);
      }
    }
    if (rows.length > files.length) beyond.push(...rows.slice(files.length).map(name));
    else toApply.push(...files.slice(rows.length));
  }
  if (beyond.length > 0) {
    return { verdict: 'newer-folder', reason: `the folder has migrations this release does not ship: ${beyond.join(', ')}`, toApply: [] };
  }
  return { verdict: toApply.length > 0 ? 'migrates' : 'opens', reason: null, toApply };
}

function refuse(reason: string): ReleaseVerdict {
  return { verdict: 'refuses', reason, toApply: [] };
}
