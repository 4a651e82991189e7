import { resolve, sep } from 'node:path';
import { InspectorError } from '../../shared/errors.js';
import { realPathOf } from '../engine/folder/real-path.js';

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

export { realPathOf } from '../engine/folder/real-path.js';

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
