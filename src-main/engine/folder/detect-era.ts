import type { EraInfo, MigrationRow } from '../../../shared/models.js';
import type { SqliteDatabase } from '../sqlite/connection.js';
import type { SchemaProbe } from '../sqlite/schema-probe.js';
import { METADB_00001_V040, findMigration } from './migration-catalogue.js';
import { InspectorError } from '../../../shared/errors.js';

interface RawMigration {
  dir: string;
  version: number;
  filename: string;
  hash: string;
}

function classify(row: RawMigration): MigrationRow {
  const known = findMigration(row.dir, row.version);
  const hash = String(row.hash).toLowerCase();
  const base = { dir: row.dir, version: row.version, filename: row.filename, hash };
  if (row.dir === 'metadb' && row.version === 1 && hash === METADB_00001_V040.md5) {
    return { ...base, status: 'ok', hashAlgorithm: 'md5' };
  }
  if (!known || known.filename !== row.filename) return { ...base, status: 'unknown', hashAlgorithm: 'unknown' };
  if (hash === known.md5) return { ...base, status: 'ok', hashAlgorithm: 'md5' };
  if (hash.length === 64 && hash.endsWith(known.sha256Suffix)) return { ...base, status: 'ok', hashAlgorithm: 'sha256' };
  return { ...base, status: 'mismatch', hashAlgorithm: hash.length === 64 ? 'sha256' : hash.length === 32 ? 'md5' : 'unknown' };
}

/**
 * Names the Chroma release range that wrote a folder from its `migrations` rows
 * (docs/format.md §2.5). The label is what a user recognises: the Python release numbers.
 */
export function detectEra(db: SqliteDatabase, probe: SchemaProbe): EraInfo {
  if (!probe.hasTable('migrations')) {
    throw new InspectorError('NOT_A_CHROMA_FOLDER', 'chroma.sqlite3 has no migrations table: not a Chroma database');
  }
  const raw = db.prepare('SELECT dir, version, filename, hash FROM migrations ORDER BY dir, version').all() as RawMigration[];
  const migrations = raw.map(classify);
  const max = (dir: string) => Math.max(0, ...migrations.filter((m) => m.dir === dir).map((m) => m.version));
  const sysdb = max('sysdb');
  const metadb = max('metadb');
  const eq = max('embeddings_queue');
  const v040 = migrations.some((m) => m.dir === 'metadb' && m.version === 1 && m.hash === METADB_00001_V040.md5);
  if (sysdb === 0 && metadb === 0) {
    throw new InspectorError('UNKNOWN_SCHEMA', 'chroma.sqlite3 has an empty migrations table: no Chroma schema was ever applied');
  }

  let label: string;
  let chromaVersions: string;
  let rustCore = false;
  if (metadb >= 6) [label, chromaVersions, rustCore] = ['1.5+', 'Python 1.5+ / npm bindings 1.3.4+ (Rust core)', true];
  else if (sysdb >= 10) [label, chromaVersions, rustCore] = ['1.3-1.4', 'Python 1.3-1.4 / npm bindings 1.1+ (Rust core)', true];
  else if (metadb >= 5) [label, chromaVersions, rustCore] = ['1.0-1.2', 'Python 1.0-1.2 / npm bindings 1.0.x (Rust core)', true];
  else if (sysdb >= 9 || eq >= 2) [label, chromaVersions] = ['0.5.6-0.6.3', 'Python 0.5.6-0.6.3'];
  else if (sysdb >= 7) [label, chromaVersions] = ['0.5.4-0.5.5', 'Python 0.5.4-0.5.5'];
  else if (sysdb >= 6) [label, chromaVersions] = ['0.5.1-0.5.3', 'Python 0.5.1-0.5.3'];
  else if (sysdb >= 5) [label, chromaVersions] = ['0.5.0', 'Python 0.5.0'];
  else if (sysdb >= 4) [label, chromaVersions] = ['0.4.15-0.4.24', 'Python 0.4.15-0.4.24'];
  else if (metadb >= 3) [label, chromaVersions] = ['0.4.6-0.4.14', 'Python 0.4.6-0.4.14'];
  else if (metadb >= 2) [label, chromaVersions] = ['0.4.4-0.4.5', 'Python 0.4.4-0.4.5'];
  else if (v040) [label, chromaVersions] = ['0.4.0', 'Python 0.4.0 (rejected by every later Chroma)'];
  else [label, chromaVersions] = ['0.4.1-0.4.3', 'Python 0.4.1-0.4.3'];

  return {
    label,
    chromaVersions,
    rustCore,
    hasTenants: probe.hasTable('tenants') && probe.hasTable('databases'),
    migrations,
    migrationsVerified: migrations.every((m) => m.status === 'ok'),
  };
}
