import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { InspectorError } from '../../shared/errors.js';

/**
 * Which paths a client may name (to open, export to, back up to, restore into, verify). The
 * desktop app trusts its user, who picks paths in native dialogs; `serve` confines every path to
 * the served folder's parent and the `--root` folders it was given, so a token holder cannot reach
 * the rest of the disk. Symbolic links are resolved before the check, and a refusal says nothing
 * about whether the path exists.
 */
export interface PathPolicy {
  /** The path, absolute and with links resolved, or an UNAUTHORIZED error. */
  allow(path: string): string;
  /** The folders paths must stay inside; null when unrestricted. */
  readonly roots: readonly string[] | null;
}

export const unrestrictedPaths: PathPolicy = { allow: (path) => resolve(path), roots: null };

/**
 * The real path of `path`, also when it (or its last parts) does not exist yet: the nearest
 * existing ancestor is resolved and the rest appended, so `out/new.zip` under a linked `out`
 * lands where the link points.
 */
export function realPathOf(path: string): string {
  let existing = resolve(path);
  const rest: string[] = [];
  while (!existsSync(existing)) {
    const parent = dirname(existing);
    if (parent === existing) break;
    rest.unshift(basename(existing));
    existing = parent;
  }
  let real: string;
  try {
    real = realpathSync(existing);
  } catch {
    real = existing;
  }
  return rest.length ? join(real, ...rest) : real;
}

export function confinedPaths(roots: readonly string[]): PathPolicy {
  const realRoots = [...new Set(roots.map(realPathOf))];
  const inside = (p: string) => realRoots.some((root) => p === root || p.startsWith(root.endsWith(sep) ? root : root + sep));
  return {
    roots: realRoots,
    allow: (path) => {
      const real = realPathOf(path);
      if (!inside(real)) {
        throw new InspectorError('UNAUTHORIZED', 'That path is outside the folders this server may use (start serve with --root DIR to add one).');
      }
      return real;
    },
  };
}
