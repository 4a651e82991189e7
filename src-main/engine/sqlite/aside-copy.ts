import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

/** How long an unused copy is kept: a folder's refresh closes and reopens its connections. */
const KEEP_UNUSED_MS = 30_000;

interface AsideCopy {
  /** The database's size and modification times (and its -wal's) when copied. */
  version: string;
  dir: string;
  file: string;
  refs: number;
  timer: NodeJS.Timeout | null;
}

const copies = new Map<string, AsideCopy>();
let cleanupRegistered = false;

function versionOf(file: string): string {
  const stamp = (f: string) => {
    try {
      const s = statSync(f);
      return `${s.size}:${s.mtimeMs}`;
    } catch {
      return '-';
    }
  };
  return `${stamp(file)}|${stamp(`${file}-wal`)}`;
}

function remove(copy: AsideCopy): void {
  if (copy.timer) clearTimeout(copy.timer);
  rmSync(copy.dir, { recursive: true, force: true });
}

/**
 * A private copy of a database (and its leftover `-wal`, which holds committed pages) in the
 * temp folder, shared by every connection of this process to the same unchanged file: opening a
 * folder in each worker, or again after a refresh, copies it once, not once per connection. A
 * changed file gets a new copy; a copy nobody uses is removed after a while, and all at exit.
 * `copyFile` errors propagate (the caller names the file).
 */
export function acquireAsideCopy(file: string): { file: string; release(): void } {
  const abs = resolve(file);
  const version = versionOf(abs);
  let copy = copies.get(abs);
  if (copy && copy.version !== version) {
    // The file changed: later opens get a fresh copy; the old one goes when its readers close.
    copies.delete(abs);
    if (copy.refs === 0) remove(copy);
    copy = undefined;
  }
  if (!copy) {
    const dir = mkdtempSync(join(tmpdir(), 'chroma-inspector-wal-mode-'));
    const target = join(dir, basename(abs));
    try {
      copyFileSync(abs, target);
      if (existsSync(`${abs}-wal`)) copyFileSync(`${abs}-wal`, `${target}-wal`);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    copy = { version, dir, file: target, refs: 0, timer: null };
    copies.set(abs, copy);
    if (!cleanupRegistered) {
      cleanupRegistered = true;
      process.once('exit', () => {
        for (const c of copies.values()) remove(c);
      });
    }
  }
  const held = copy;
  if (held.timer) clearTimeout(held.timer);
  held.timer = null;
  held.refs++;
  let released = false;
  return {
    file: held.file,
    release: () => {
      if (released) return;
      released = true;
      if (--held.refs > 0) return;
      if (copies.get(abs) !== held) return remove(held);
      held.timer = setTimeout(() => {
        if (held.refs === 0 && copies.get(abs) === held) {
          copies.delete(abs);
          remove(held);
        }
      }, KEEP_UNUSED_MS);
      held.timer.unref();
    },
  };
}

/** How many private copies exist now (for tests). */
export const asideCopyCount = (): number => copies.size;
