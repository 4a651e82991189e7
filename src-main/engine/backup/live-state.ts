import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SqliteDatabase } from '../sqlite/connection.js';
import { isMissing } from '../hnsw/segment-files.js';

/**
 * What a backup watches on the live folder to know whether its copy is torn: each vector
 * segment's persisted seq (the `max_seq_id` row; before 0.5.6 it lives in the pickle, whose file
 * stamp covers it) and the size/mtime/inode of every file in the copied segment folders.
 */

export interface FileStamp {
  size: number;
  mtimeNs: bigint;
  ino: bigint;
}

/** `<segment>/<file>` → stamp. A folder that does not exist has no entries. */
export type FolderStamps = Map<string, FileStamp>;

export interface FolderScan {
  stamps: FolderStamps;
  /** Regular files to copy, `<segment>/<file>`. */
  files: string[];
  /** Entries that are not regular files (symlinks, sub-folders, devices): never followed or copied. */
  skipped: string[];
  /** Whether the folder exists. */
  exists: boolean;
}

export function scanSegmentFolder(root: string, segment: string): FolderScan {
  const out: FolderScan = { stamps: new Map(), files: [], skipped: [], exists: false };
  let names: string[];
  try {
    if (!lstatSync(join(root, segment)).isDirectory()) return out;
    names = readdirSync(join(root, segment)).sort();
  } catch (err) {
    if (isMissing(err)) return out;
    throw err;
  }
  out.exists = true;
  for (const name of names) {
    const rel = `${segment}/${name}`;
    let st;
    try {
      st = lstatSync(join(root, segment, name), { bigint: true });
    } catch (err) {
      if (isMissing(err)) continue; // vanished: the after-scan will notice the difference
      throw err;
    }
    if (!st.isFile()) {
      out.skipped.push(rel);
      continue;
    }
    out.files.push(rel);
    out.stamps.set(rel, { size: Number(st.size), mtimeNs: st.mtimeNs, ino: st.ino });
  }
  return out;
}

/** Describes the first difference between two scans of the same folders, or null when equal. */
export function diffStamps(before: FolderStamps, after: FolderStamps): string | null {
  for (const [rel, a] of after) {
    const b = before.get(rel);
    if (!b) return `${rel} appeared while copying`;
    if (b.size !== a.size) return `${rel} changed size while copying (${b.size} → ${a.size} bytes)`;
    if (b.mtimeNs !== a.mtimeNs || b.ino !== a.ino) return `${rel} was modified while copying`;
  }
  for (const rel of before.keys()) if (!after.has(rel)) return `${rel} disappeared while copying`;
  return null;
}

/**
 * Every vector segment's persisted seq as an exact string (`int:N`, `blob:HEX`, `absent`),
 * read in one statement (one short read transaction).
 */
export function readVectorSeqs(db: SqliteDatabase): Map<string, string> {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name='max_seq_id'").get() !== undefined;
  const sql = hasTable
    ? "SELECT s.id AS id, m.seq_id AS seq FROM segments s LEFT JOIN max_seq_id m ON m.segment_id = s.id WHERE s.scope = 'VECTOR'"
    : "SELECT id, NULL AS seq FROM segments WHERE scope = 'VECTOR'";
  const rows = db.prepare(sql).safeIntegers(true).all() as { id: string; seq: unknown }[];
  const out = new Map<string, string>();
  for (const r of rows) out.set(r.id, encodeSeq(r.seq));
  return out;
}

function encodeSeq(v: unknown): string {
  if (v === null || v === undefined) return 'absent';
  if (Buffer.isBuffer(v)) return `blob:${v.toString('hex')}`;
  return `int:${String(v)}`;
}
