import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fsyncDir } from './create-folder.js';

/**
 * A vector segment's checkpoint is five files that only make sense together, so they are
 * replaced as one directory: the new files are written and fsynced in `<segment>.next-*`, the old
 * folder is renamed to `<segment>.prev-*`, the new one renamed into place, and only then is the
 * vector `max_seq_id` moved (docs/format.md §8.3). A crash leaves the old checkpoint (still
 * matching max_seq_id) or the new one; `recoverSegmentFolders` repairs the instant between the two
 * renames, when `<segment>` is missing, by putting the old folder back.
 */
const LEFTOVER = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(next|prev)-[0-9a-f]+$/i;

const suffix = () => randomBytes(6).toString('hex');

export function createStagingDir(root: string, segmentId: string): string {
  const dir = path.join(root, `${segmentId}.next-${suffix()}`);
  fs.mkdirSync(dir);
  return dir;
}

/** Moves a complete staging folder into place; returns the previous folder (to delete once max_seq_id moved). */
export function publishSegmentFolder(root: string, segmentId: string, staging: string): string | null {
  fsyncDir(staging);
  const live = path.join(root, segmentId);
  let prev: string | null = null;
  if (fs.existsSync(live)) {
    prev = path.join(root, `${segmentId}.prev-${suffix()}`);
    fs.renameSync(live, prev);
  }
  fs.renameSync(staging, live);
  fsyncDir(root);
  return prev;
}

export function removeFolder(dir: string | null): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/** removeFolder off the caller's thread. Never rejects: a folder left behind is a leftover recoverSegmentFolders removes. */
export function removeFolderAsync(dir: string): Promise<void> {
  return fs.promises.rm(dir, { recursive: true, force: true }).catch(() => undefined);
}

/** Repairs what an interrupted persist left behind; returns what it did, for logs and tests. */
export function recoverSegmentFolders(root: string): string[] {
  const done: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return done;
  }
  const bySegment = new Map<string, { next: string[]; prev: string[] }>();
  for (const name of names) {
    const m = LEFTOVER.exec(name);
    if (!m) continue;
    const entry = bySegment.get(m[1]!) ?? { next: [], prev: [] };
    (m[2] === 'next' ? entry.next : entry.prev).push(name);
    bySegment.set(m[1]!, entry);
  }
  for (const [segmentId, { next, prev }] of bySegment) {
    const live = path.join(root, segmentId);
    if (!fs.existsSync(live) && prev.length > 0) {
      // Interrupted between the two renames: the old folder still matches max_seq_id.
      const newest = prev
        .map((name) => ({ name, mtime: fs.statSync(path.join(root, name)).mtimeMs }))
        .sort((a, b) => b.mtime - a.mtime)[0]!.name;
      fs.renameSync(path.join(root, newest), live);
      done.push(`restored ${segmentId} from ${newest}`);
    }
    for (const name of [...next, ...prev]) {
      if (!fs.existsSync(path.join(root, name))) continue;
      try {
        fs.rmSync(path.join(root, name), { recursive: true, force: true });
        done.push(`removed ${name}`);
      } catch {
        // Being removed by another writer in this process (removeFolderAsync), or not ours to remove.
      }
    }
  }
  if (done.length > 0) fsyncDir(root);
  return done;
}
