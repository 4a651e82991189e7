import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { DoctorFinding, DoctorReport } from '../../../shared/models.js';
import { chromaMigrations } from '../../../src-main/engine/write/migration-files.js';
import { referenceFixture } from '../../helpers/paths.js';

/** Helpers for the doctor's tests: damaged copies of committed fixtures, and raw-SQL oracles. */

export const SOUND = 'chroma-1.3.4-seed7';

export const dataOf = (fixture: string) => (fixture === 'sample-1.3.4' ? referenceFixture(fixture) : join(referenceFixture(fixture), 'data'));

/** A scratch folder for one test file; `cleanup()` removes it. */
export function scratch(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ci-doctor-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

let copies = 0;
/** A copy of a fixture's data folder inside `into`, damaged by `damage` (committed fixtures are never touched). */
export function damagedCopy(into: string, fixture: string, damage: (dir: string) => void = () => {}): string {
  const dir = join(into, `copy-${++copies}`);
  cpSync(dataOf(fixture), dir, { recursive: true });
  damage(dir);
  return dir;
}

/** Runs SQL on a copy's database, writable, with foreign keys off as Chroma has them (docs/format.md §2.1). */
export function onDb<T>(dir: string, fn: (db: Database.Database) => T): T {
  const db = new Database(join(dir, 'chroma.sqlite3'));
  db.pragma('foreign_keys = OFF');
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** Rows of a read-only query on a folder's database: the tests' independent view. */
export function rows<T = Record<string, unknown>>(dir: string, query: string, ...params: unknown[]): T[] {
  const db = new Database(join(dir, 'chroma.sqlite3'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(query).all(...params) as T[];
  } finally {
    db.close();
  }
}

export interface RawCollection {
  id: string;
  name: string;
  topic: string;
  metadataSegment: string;
  vectorSegment: string;
}

/** Collections and their segments, read straight from SQL (Rust-core fixtures: no topic column). */
export function rawCollections(dir: string): RawCollection[] {
  return rows<RawCollection>(
    dir,
    `SELECT c.id, c.name, 'persistent://default/default/' || c.id AS topic,
       (SELECT id FROM segments s WHERE s.collection = c.id AND s.scope = 'METADATA') AS metadataSegment,
       (SELECT id FROM segments s WHERE s.collection = c.id AND s.scope = 'VECTOR') AS vectorSegment
     FROM collections c ORDER BY c.name`,
  );
}

export const byName = (dir: string, name: string): RawCollection => rawCollections(dir).find((c) => c.name === name)!;

/** A record's internal id, user id and document, in internal-id order. */
export function documents(dir: string, metadataSegment: string): { iid: number; id: string; doc: string }[] {
  return rows(
    dir,
    `SELECT e.id AS iid, e.embedding_id AS id, m.string_value AS doc FROM embeddings e
     JOIN embedding_metadata m ON m.id = e.id AND m.key = 'chroma:document' WHERE e.segment_id = ? ORDER BY e.id`,
    metadataSegment,
  );
}

/** header.bin's element count and element size, read from the bytes (docs/format.md §6.1 offsets). */
export function headerOf(dir: string, segment: string): { cur: number; max: number; size: number } {
  const b = readFileSync(join(dir, segment, 'header.bin'));
  return { max: Number(b.readBigUInt64LE(12)), cur: Number(b.readBigUInt64LE(20)), size: Number(b.readBigUInt64LE(28)) };
}

/** Elements of data_level0.bin whose deleted flag (byte 2, bit 0) is set, among the first `cur`. */
export function deletedFlags(dir: string, segment: string): number {
  const { cur, size } = headerOf(dir, segment);
  const data = readFileSync(join(dir, segment, 'data_level0.bin'));
  let n = 0;
  for (let i = 0; i < cur; i++) if ((data[i * size + 2]! & 1) === 1) n++;
  return n;
}

export const findings = (r: DoctorReport, code: string, collection?: string): DoctorFinding[] =>
  r.findings.filter((f) => f.code === code && (collection === undefined || f.collection?.name === collection));

export const only = (r: DoctorReport, code: string, collection?: string): DoctorFinding => {
  const found = findings(r, code, collection);
  if (found.length !== 1) throw new Error(`expected one ${code}${collection ? ` for ${collection}` : ''}, got ${found.length}: ${JSON.stringify(r.findings.map((f) => [f.code, f.collection?.name]))}`);
  return found[0]!;
};

/** The findings that are not informational, as `code collection` strings (for readable failures). */
export const problems = (r: DoctorReport): string[] => r.findings.filter((f) => f.severity !== 'info').map((f) => `${f.severity} ${f.code} ${f.collection?.name ?? '(folder)'}: ${f.title}`);

/** After metadb/00003 ran on a copy: the records `$contains` of their own document misses, and those found by text that is not theirs. */
export function brokenAfterUpgrade(dir: string, into: string): string[] {
  mkdirSync(into);
  copyFileSync(join(dir, 'chroma.sqlite3'), join(into, 'chroma.sqlite3'));
  const db = new Database(join(into, 'chroma.sqlite3'));
  try {
    db.exec(chromaMigrations().find((m) => m.dir === 'metadb' && m.version === 3)!.sql);
    db.pragma('case_sensitive_like = ON');
    const like = db.prepare("SELECT rowid FROM embedding_fulltext_search WHERE string_value LIKE ? ESCAPE '\\'").pluck();
    const recs = db.prepare("SELECT e.id AS iid, e.embedding_id AS id, m.string_value AS doc FROM embeddings e LEFT JOIN embedding_metadata m ON m.id = e.id AND m.key = 'chroma:document'").all() as { iid: number; id: string; doc: string | null }[];
    const broken = new Set<string>();
    for (const r of recs) {
      // Chroma's own pattern: `\`, `%` and `_` escaped (docs/format.md §7.5).
      if (r.doc !== null && !(like.all(`%${r.doc.replace(/[\\%_]/g, '\\$&')}%`) as number[]).includes(r.iid)) broken.add(r.id);
      const indexed = db.prepare('SELECT string_value AS s FROM embedding_fulltext_search WHERE rowid = ?').get(r.iid) as { s: string | null } | undefined;
      if (r.doc === null && indexed?.s) broken.add(r.id);
    }
    return [...broken].sort();
  } finally {
    db.close();
  }
}
