import type { FileEntry, Orphans } from '../../../shared/models.js';

export interface FileGroup {
  id: string;
  title: string;
  kind: 'sqlite' | 'segment' | 'orphan' | 'other';
  files: FileEntry[];
  bytes: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Files → SQLite (db + side files), one group per HNSW segment folder (orphans flagged), other. */
export function groupFiles(files: FileEntry[], orphans?: Orphans | null): FileGroup[] {
  const orphanFolders = new Set(orphans?.segmentFolders ?? []);
  const sqlite: FileEntry[] = [];
  const other: FileEntry[] = [];
  const segments = new Map<string, FileEntry[]>();
  for (const f of files) {
    const parts = f.path.split(/[\\/]/);
    const top = parts[0] ?? '';
    if (parts.length > 1 && (UUID.test(top) || orphanFolders.has(top) || f.kind === 'hnsw' || f.kind === 'pickle')) {
      const list = segments.get(top) ?? [];
      list.push(f);
      segments.set(top, list);
    } else if (f.kind === 'sqlite' || f.kind === 'sqlite-side') sqlite.push(f);
    else other.push(f);
  }
  const sum = (fs: FileEntry[]) => fs.reduce((n, f) => n + f.bytes, 0);
  const groups: FileGroup[] = [];
  if (sqlite.length) groups.push({ id: 'sqlite', title: 'SQLite', kind: 'sqlite', files: sqlite, bytes: sum(sqlite) });
  const segs = [...segments.entries()].sort(([a], [b]) => Number(orphanFolders.has(a)) - Number(orphanFolders.has(b)) || a.localeCompare(b));
  for (const [folder, fs] of segs) {
    const orphan = orphanFolders.has(folder);
    groups.push({ id: `seg:${folder}`, title: folder, kind: orphan ? 'orphan' : 'segment', files: fs, bytes: sum(fs) });
  }
  for (const folder of orphanFolders) {
    if (!segments.has(folder)) groups.push({ id: `seg:${folder}`, title: folder, kind: 'orphan', files: [], bytes: 0 });
  }
  if (other.length) groups.push({ id: 'other', title: 'Other files', kind: 'other', files: other, bytes: sum(other) });
  return groups;
}
