import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir } from './create-folder.js';
import { cryptoModule } from '../util/node-on-demand.js';

/**
 * A vector segment's checkpoint is five files that only make sense together, so they are
 * replaced as one directory: the new files are written and fsynced in `<segment>.next-*`, the old
 * folder is renamed to `<segment>.prev-*`, the new one renamed into place, and only then is the
 * vector `max_seq_id` moved (docs/format.md §8.3). A crash leaves the old checkpoint (still
 * matching max_seq_id) or the new one; `recoverSegmentFolders` repairs the instant between the two
 * renames, when `<segment>` is missing, by putting the old folder back. Right after that instant the
 * old folder becomes `<segment>.trash-*`, removed after the attempt to move max_seq_id (in the
 * background by a writer, which flush and close wait for); a crash may leave it, and the next
 * writer removes it.
 */
const LEFTOVER = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(next|prev|trash)-[0-9a-f]+$/i;

const suffix = () => cryptoModule().randomBytes(6).toString('hex');

/**
 * Staging folders this process is still writing and old folders it is removing (by real path: a
 * folder opened through a symlink is the same folder): a writer opened meanwhile on the same
 * folder, in this process, must not take them for a crash's leftovers.
 */
const inUse = new Set<string>();

function realKey(dir: string): string {
  try {
    return path.join(fs.realpathSync(path.dirname(dir)), path.basename(dir));
  } catch {
    return path.resolve(dir);
  }
}

export function createStagingDir(root: string, segmentId: string): string {
  const dir = path.join(root, `${segmentId}.next-${suffix()}`);
  fs.mkdirSync(dir);
  inUse.add(realKey(dir));
  return dir;
}

/**
 * Moves a complete staging folder into place. Returns the previous folder, renamed
 * `<segment>.trash-*`, to delete once max_seq_id is moved (or fails to move: the new folder is in
 * place either way). Once the new folder is in place the old one is never put back, and a `.prev-`
 * folder exists only for the instant between the two renames, so recovery never has two to choose
 * from, one of them half removed. If the staging folder cannot be moved in, the old folder is put
 * back before the error is thrown.
 */
export function publishSegmentFolder(root: string, segmentId: string, staging: string): string | null {
  fsyncDir(staging);
  const live = path.join(root, segmentId);
  let prev: string | null = null;
  if (fs.existsSync(live)) {
    prev = path.join(root, `${segmentId}.prev-${suffix()}`);
    fs.renameSync(live, prev);
  }
  try {
    fs.renameSync(staging, live);
  } catch (err) {
    // Without it, the next persist in this process would find no checkpoint and start from the
    // (purged) WAL alone.
    if (prev) fs.renameSync(prev, live);
    throw err;
  }
  inUse.delete(realKey(staging));
  fsyncDir(root);
  if (!prev) return null;
  // The swap is done: a rename refused now (a handle on the folder, on Windows) is not its
  // failure. The old folder is then removed under its `.prev-` name.
  const trash = path.join(root, `${segmentId}.trash-${suffix()}`);
  try {
    fs.renameSync(prev, trash);
    return trash;
  } catch {
    return prev;
  }
}

export function removeFolder(dir: string | null): void {
  if (!dir) return;
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } finally {
    inUse.delete(realKey(dir));
  }
}

/** removeFolder off the caller's thread. Never rejects: a folder it cannot remove is named in a warning, and the next writer removes it. */
export async function removeFolderAsync(dir: string): Promise<void> {
  const key = realKey(dir);
  inUse.add(key);
  try {
    await fs.promises.rm(dir, { recursive: true, force: true });
  } catch (err) {
    process.emitWarning(`chroma-inspector: could not remove ${dir} (${(err as Error).message}); the next writer on the folder removes it`);
  } finally {
    inUse.delete(key);
  }
}

/** Whether an interrupted swap left folders for recoverSegmentFolders to put right (a listing: cheap). */
export function hasLeftoverSegmentFolders(root: string): boolean {
  try {
    return fs.readdirSync(root).some((name) => LEFTOVER.test(name) && !inUse.has(realKey(path.join(root, name))));
  } catch {
    return false;
  }
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
    if (!m || inUse.has(realKey(path.join(root, name)))) continue;
    const entry = bySegment.get(m[1]!) ?? { next: [], prev: [] };
    // A trash folder is never put back: it goes with the staging folders.
    (m[2] === 'prev' ? entry.prev : entry.next).push(name);
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
      } catch (err) {
        // A leftover that cannot be removed (permissions, a handle on Windows) does not make the
        // folder unwritable: it is named, and the next writer tries again.
        process.emitWarning(`chroma-inspector: could not remove ${path.join(root, name)} (${(err as Error).message})`);
      }
    }
  }
  if (done.length > 0) fsyncDir(root);
  return done;
}
