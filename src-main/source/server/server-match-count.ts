import type { CollectionRef } from '../../../shared/models.js';
import type { ServerSource } from './server-source.js';

/** Ids read per request while counting a filter's matches (ids only: small answers). */
const COUNT_PAGE = 10_000;
/** How long a filter's count is trusted: scrolling re-asks for every window. */
const COUNT_TTL_MS = 30_000;
const MAX_CACHED = 64;

export type MatchCountCache = Map<string, { total: number; at: number }>;

/**
 * How many records a filter matches on a server: Chroma's count takes no filter, so the ids of
 * the matches are paged through (ids only) once and the total kept for a while, keyed by the
 * collection and the filter. A window that came back short already tells the total.
 */
export async function countMatches(
  cache: MatchCountCache,
  source: ServerSource,
  ref: Required<CollectionRef>,
  filter: Record<string, unknown>,
  window: { offset: number; seen: number; limit: number },
): Promise<number> {
  const key = JSON.stringify([ref.tenant, ref.database, ref.name, filter]);
  const now = Date.now();
  if (window.seen < window.limit && (window.seen > 0 || window.offset === 0)) return remember(cache, key, window.offset + window.seen, now);
  const hit = cache.get(key);
  if (hit && now - hit.at < COUNT_TTL_MS) return hit.total;
  let total = 0;
  for (;;) {
    const page = (await source.get(ref, { ...filter, limit: COUNT_PAGE, offset: total, include: [] })) as { ids: string[] };
    total += page.ids.length;
    if (page.ids.length < COUNT_PAGE) break;
  }
  return remember(cache, key, total, now);
}

function remember(cache: MatchCountCache, key: string, total: number, at: number): number {
  cache.delete(key);
  cache.set(key, { total, at });
  // Oldest first in a Map: drop beyond the bound.
  for (const k of cache.keys()) {
    if (cache.size <= MAX_CACHED) break;
    cache.delete(k);
  }
  return total;
}
