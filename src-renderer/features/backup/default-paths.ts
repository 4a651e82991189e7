/**
 * Default paths for the Backup view, derived from the open folder's path. Pure string work (the
 * renderer has no `node:path`): siblings keep the folder path's own separator.
 */

export type ExportFormat = 'jsonl' | 'csv' | 'parquet';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['jsonl', 'csv', 'parquet'];

/** `yyyy-mm-dd` in local time. */
export function dateStamp(d: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The folder path without trailing separators (`/a/b/` → `/a/b`; a bare root stays as is). */
export function trimFolder(path: string): string {
  const t = path.replace(/[\\/]+$/, '');
  return t || path;
}

/** `/a/b/data` → parent `/a/b/` (separator kept) and name `data`. */
export function splitFolder(path: string): { parent: string; name: string } {
  const t = trimFolder(path);
  const i = Math.max(t.lastIndexOf('/'), t.lastIndexOf('\\'));
  if (i < 0) return { parent: '', name: t };
  return { parent: t.slice(0, i + 1), name: t.slice(i + 1) || 'chroma' };
}

/** A path beside the folder: `/a/b/data` → `/a/b/data${suffix}`. */
export function besideFolder(folder: string, suffix: string): string {
  const { parent, name } = splitFolder(folder);
  return `${parent}${name}${suffix}`;
}

/** `<folder>-backup-<yyyy-mm-dd>.zip` beside the open folder. */
export const defaultBackupZip = (folder: string, d?: Date) => besideFolder(folder, `-backup-${dateStamp(d)}.zip`);

/** `<folder>-restored-<yyyy-mm-dd>` beside the open folder (a new folder: restore never overwrites). */
export const defaultRestoreFolder = (folder: string, d?: Date) => besideFolder(folder, `-restored-${dateStamp(d)}`);

/** `<folder>-copy-<yyyy-mm-dd>` beside the open folder: a copy's default target folder. */
export const defaultCopyFolder = (folder: string, d?: Date) => besideFolder(folder, `-copy-${dateStamp(d)}`);

/** File-name-safe collection name: anything but letters, digits, `.`, `_`, `-` becomes `_`. */
export const safeName = (name: string) => name.replace(/[^A-Za-z0-9._-]+/g, '_') || 'collection';

/** `<folder>-<collection>-<yyyy-mm-dd>.<format>` beside the open folder. */
export const defaultExportFile = (folder: string, collection: string, format: ExportFormat, d?: Date) =>
  besideFolder(folder, `-${safeName(collection)}-${dateStamp(d)}.${format}`);

/** The last path segment, for short labels. */
export function baseName(path: string): string {
  const t = trimFolder(path);
  return t.slice(Math.max(t.lastIndexOf('/'), t.lastIndexOf('\\')) + 1) || t;
}
