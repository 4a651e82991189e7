import type { CollectionRefText } from '../../../shared/models.js';

export interface CollectionMatch<T> {
  /** Only in b, only in a. */
  added: CollectionRefText[];
  removed: CollectionRefText[];
  /** The collections on both sides, in side a's order. */
  pairs: [T, T][];
}

/**
 * Collections of two sides paired by tenant, database and name, or by name alone when each side
 * is one tenant/database already (a server's API lists no more), whose names may differ.
 */
export function matchCollections<T>(a: readonly T[], b: readonly T[], refOf: (c: T) => CollectionRefText, byName = false): CollectionMatch<T> {
  const key = (c: T) => {
    const r = refOf(c);
    return byName ? r.name : `${r.tenant}\u0000${r.database}\u0000${r.name}`;
  };
  const inA = new Map(a.map((c) => [key(c), c]));
  const inB = new Map(b.map((c) => [key(c), c]));
  const out: CollectionMatch<T> = { added: [], removed: [], pairs: [] };
  for (const [k, c] of inB) if (!inA.has(k)) out.added.push(refOf(c));
  for (const [k, c] of inA) {
    const other = inB.get(k);
    if (other) out.pairs.push([c, other]);
    else out.removed.push(refOf(c));
  }
  return out;
}
