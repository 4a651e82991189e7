import { useEffect, useMemo, useState } from 'react';
import type { EmbeddingMap } from '../../../shared/models.js';
import { useClient } from '../../client/client-context.js';
import { useAsync, useRunner } from '../../client/use-async.js';
import type { MapIds } from './use-map-ids.js';

/** Ids the grid below the map filters by, at most (the selection's size is always shown). */
export const GRID_IDS = 5000;
const NEIGHBOURS = 10;

interface Neighbours {
  of: string;
  ids: string[];
}

/**
 * What the user picked on the map: a lasso's points, or a clicked point with its nearest
 * neighbours (Chroma's query with the record's own vector). Gives the points to highlight and the
 * ids the grid lists: only the lasso's first GRID_IDS are asked for, since the grid lists no more.
 */
export function useMapSelection(map: EmbeddingMap | null, ids: MapIds, handle: string, collectionId: string) {
  const client = useClient();
  const [selection, setSelection] = useState<number[]>([]);
  const [neighbours, setNeighbours] = useState<Neighbours | null>(null);
  const near = useRunner<Neighbours>();

  // A lasso selects point indices of one layout: another layout (or a reload) starts afresh.
  useEffect(() => setSelection([]), [map]);
  useEffect(() => {
    if (near.state.status === 'success') setNeighbours(near.state.value);
  }, [near.state]);

  const onLasso = (points: number[]) => {
    setSelection(points);
    setNeighbours(null);
  };
  const onClick = (point: number | null) => {
    setSelection([]);
    setNeighbours(null);
    if (point === null) return near.reset();
    void near.run(async (signal) => {
      const id = ids.idNow(point) ?? (await ids.idsOf([point], signal))[0]!;
      const row = await client.call('recordDetail', { handle, collectionId, id }, { signal });
      if (!row.embedding) return { of: id, ids: [] };
      const r = await client.call('query', { handle, collectionId, args: { queryEmbeddings: [row.embedding], nResults: NEIGHBOURS + 1, include: [] } }, { signal });
      return { of: id, ids: (r.ids[0] ?? []).filter((x) => x !== id).slice(0, NEIGHBOURS) };
    });
  };

  const listed = useAsync(
    (signal) => (selection.length > 1 ? ids.idsOf(selection.slice(0, GRID_IDS), signal).then((list) => ({ selection, list })) : Promise.resolve(null)),
    [selection, ids],
  );
  // The neighbours' points on the layout drawn (the ids stay; the points differ per layout).
  const nearPoints = useAsync((signal) => (neighbours ? ids.pointsOf([neighbours.of, ...neighbours.ids], signal) : Promise.resolve([])), [neighbours, ids]);

  const flags = useMemo(() => {
    const out = new Uint8Array(map?.count ?? 0);
    for (const i of selection) out[i] = 1;
    if (nearPoints.state.status === 'success') for (const p of nearPoints.state.value) if (p !== null && p < out.length) out[p] = 1;
    return out;
  }, [map, selection, nearPoints.state]);

  const lassoIds = listed.state.status === 'success' && listed.state.value?.selection === selection ? listed.state.value.list : null;
  const gridFilter = useMemo(() => (selection.length > 1 ? (lassoIds ? { ids: lassoIds } : undefined) : neighbours ? { ids: [neighbours.of, ...neighbours.ids] } : undefined), [selection, lassoIds, neighbours]);
  const failed = [listed.state, nearPoints.state, near.state].find((s) => s.status === 'error');
  return { selection, neighbours, flags, gridFilter, onLasso, onClick, error: failed?.status === 'error' ? failed.error : null };
}
