import { useMemo } from 'react';
import { MAX_MAP_IDS, MAX_MAP_POINT_IDS, type EmbeddingMap } from '../../../shared/models.js';
import { useClient } from '../../client/client-context.js';

/** Maps of more points than this are asked for without their ids (a million are ~20 MB of JSON). */
const INLINE_IDS = 100_000;
/** Lowers INLINE_IDS (the e2e sets it, to run the ids-on-demand path on a small folder). */
const INLINE_IDS_KEY = 'chroma-inspector.map.inlineIds';

/** Whether a map of `points` points is asked for with its ids. */
export function wantsInlineIds(points: number): boolean {
  const set = localStorage.getItem(INLINE_IDS_KEY);
  const limit = set !== null && Number.isFinite(Number(set)) ? Number(set) : INLINE_IDS;
  return points <= limit;
}

export interface MapIds {
  /** The point's id when it is known without asking (the map has its ids, or it was asked). */
  idNow(point: number): string | undefined;
  /** The ids of `points`, in order. */
  idsOf(points: readonly number[], signal: AbortSignal): Promise<string[]>;
  /** The point of each id on this map (null: not drawn). */
  pointsOf(ids: readonly string[], signal: AbortSignal): Promise<(number | null)[]>;
}

/**
 * Record ids of the drawn map's points: from the map when it came with them, otherwise asked for
 * by point (mapIds, in batches the contract allows; kept for the map's lifetime) and back
 * (mapPoints). A new object per map, so effects keyed on it follow the layout drawn.
 */
export function useMapIds(map: EmbeddingMap | null, handle: string, collectionId: string): MapIds {
  const client = useClient();
  return useMemo<MapIds>(() => {
    const inline = map !== null && map.ids.length === map.count;
    const known = new Map<number, string>();
    let indexOf: Map<string, number> | null = null;
    const scope = { handle, collectionId, method: map?.method ?? 'pca', maxPoints: map?.maxPoints ?? 1 };
    return {
      idNow: (p) => (inline ? map.ids[p] : known.get(p)),
      async idsOf(points, signal) {
        if (inline) return points.map((p) => map.ids[p]!);
        const missing = [...new Set(points.filter((p) => !known.has(p)))];
        for (let i = 0; i < missing.length; i += MAX_MAP_IDS) {
          const batch = missing.slice(i, i + MAX_MAP_IDS);
          const ids = await client.call('mapIds', { ...scope, points: batch }, { signal });
          batch.forEach((p, k) => known.set(p, ids[k]!));
        }
        return points.map((p) => known.get(p)!);
      },
      async pointsOf(ids, signal) {
        if (inline) {
          indexOf ??= new Map(map.ids.map((id, i) => [id, i]));
          return ids.map((id) => indexOf!.get(id) ?? null);
        }
        const out: (number | null)[] = [];
        for (let i = 0; i < ids.length; i += MAX_MAP_POINT_IDS) out.push(...(await client.call('mapPoints', { ...scope, ids: ids.slice(i, i + MAX_MAP_POINT_IDS) }, { signal })));
        out.forEach((p, k) => p !== null && known.set(p, ids[k]!));
        return out;
      },
    };
  }, [client, map, handle, collectionId]);
}
