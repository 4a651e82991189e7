// The paths the window may ask main to show in the file manager: the start folder, folders the
// user opened, and what backups, exports and restores wrote (produced-paths.ts). Anything else is
// refused, so a compromised page cannot use main to probe or point at arbitrary paths.
import { isAbsolute, resolve } from 'node:path';

const DEFAULT_LIMIT = 500;

export class RevealablePaths {
  // Insertion order is age: a path added again moves to the newest end.
  private readonly paths = new Set<string>();

  constructor(private readonly limit = DEFAULT_LIMIT) {}

  add(path: string): void {
    if (!isAbsolute(path)) return;
    const key = resolve(path);
    this.paths.delete(key);
    this.paths.add(key);
    // Bounded: the oldest go first (a long session of exports cannot grow it without end).
    while (this.paths.size > this.limit) this.paths.delete(this.paths.values().next().value!);
  }

  /**
   * The recorded path that `path` names, or null: an exact match after resolving (`/a/b/../c` is
   * `/a/c`), no prefix. Reveal the returned form: the OS would follow a link before a `..`.
   */
  lookup(path: string): string | null {
    if (!isAbsolute(path)) return null;
    const key = resolve(path);
    return this.paths.has(key) ? key : null;
  }
}
