import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import type { FileEntry } from '../../../shared/models.js';

export const SQLITE_FILE = 'chroma.sqlite3';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

function kindOf(rel: string): FileEntry['kind'] {
  if (rel === SQLITE_FILE) return 'sqlite';
  if (rel.startsWith(`${SQLITE_FILE}-`)) return 'sqlite-side';
  if (rel.endsWith('.pickle')) return 'pickle';
  if (rel.endsWith('.bin')) return 'hnsw';
  return 'other';
}

/** Every file in the folder (one level of segment sub-folders), with sizes. Reads only metadata. */
export function listFolderFiles(dir: string): FileEntry[] {
  const out: FileEntry[] = [];
  const visit = (rel: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (depth < 2) visit(childRel, depth + 1);
      } else if (e.isFile()) {
        let bytes = 0;
        try {
          bytes = statSync(join(dir, childRel)).size;
        } catch {
          /* vanished while listing */
        }
        out.push({ path: childRel, bytes, kind: kindOf(childRel) });
      }
    }
  };
  visit('', 0);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** Sub-folders named like segment UUIDs. */
export function listSegmentFolders(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && isUuid(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}
