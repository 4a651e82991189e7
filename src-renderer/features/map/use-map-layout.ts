import { useCallback, useEffect, useRef, useState } from 'react';
import type { EmbeddingMap } from '../../../shared/models.js';
import type { AsyncState } from '../../client/async-state.js';
import { isCancelled } from '../../client/async-state.js';
import { useClient } from '../../client/client-context.js';
import { useAsync, useRunner } from '../../client/use-async.js';
import { wantsInlineIds } from './use-map-ids.js';

export type MapMethod = EmbeddingMap['method'];

/** UMAP lays out this many points at most (the engine's MAX_UMAP_POINTS). */
const UMAP_POINTS = 50_000;

export interface MapLayout {
  /** The method the user chose. */
  method: MapMethod;
  /** The layout drawn: PCA until a chosen UMAP layout has arrived. */
  shown: EmbeddingMap | null;
  pca: AsyncState<EmbeddingMap>;
  /** The UMAP run: loading (with progress), an error, or idle / success. */
  umap: AsyncState<unknown>;
  choose(method: MapMethod): void;
  /** Stops a running UMAP layout; the view goes back to PCA. */
  cancelUmap(): void;
  cancelPca(): void;
  reloadPca(): void;
}

/**
 * The map's two layouts. PCA loads with the view (every point, quickly); UMAP is laid out only when
 * chosen, as a cancellable run with progress (seconds to minutes in the engine's worker), and PCA
 * stays drawn until it arrives. A cancelled UMAP, or one that failed, goes back to PCA. The view is
 * remounted per collection, so only the folder's revision can make a layout stale. A large map
 * comes without its ids (useMapIds asks for the few the view needs).
 */
export function useMapLayout(handle: string, collectionId: string, revision: number, records: number): MapLayout {
  const client = useClient();
  const [method, setMethod] = useState<MapMethod>('pca');
  const pca = useAsync(
    (signal, onProgress) => client.call('embeddingMap', { handle, collectionId, withIds: wantsInlineIds(records) }, { signal, onProgress }),
    // The record count is read when the folder's revision changes (it changes with it).
    [handle, collectionId, revision],
  );
  const umap = useRunner<{ revision: number; map: EmbeddingMap }>();
  const { run: runUmapTask, reset: resetUmap } = umap;

  const runUmap = useCallback(() => {
    void runUmapTask(async (signal, onProgress) => ({ revision, map: await client.call('embeddingMap', { handle, collectionId, method: 'umap', withIds: wantsInlineIds(Math.min(records, UMAP_POINTS)) }, { signal, onProgress }) }));
  }, [runUmapTask, client, handle, collectionId, revision, records]);

  const umapMap = umap.state.status === 'success' && umap.state.value.revision === revision ? umap.state.value.map : null;
  const choose = (next: MapMethod) => {
    setMethod(next);
    if (next === 'pca') {
      // Back to PCA while UMAP runs: the user no longer waits for it.
      if (umap.state.status === 'loading') resetUmap();
    } else if (!umapMap && umap.state.status !== 'loading') {
      runUmap();
    }
  };
  const cancelUmap = useCallback(() => {
    // reset() rather than cancel(): it aborts without leaving a CANCELLED error to show.
    resetUmap();
    setMethod('pca');
  }, [resetUmap]);

  // The folder changed: a UMAP layout on view is laid out again (PCA is drawn meanwhile).
  const methodNow = useRef(method);
  methodNow.current = method;
  const firstRevision = useRef(revision);
  useEffect(() => {
    if (revision !== firstRevision.current && methodNow.current === 'umap') runUmap();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [revision]);

  // A layout that stopped (cancelled elsewhere, or failed) leaves the view on PCA.
  const umapFailed = umap.state.status === 'error';
  useEffect(() => {
    if (umapFailed) setMethod('pca');
  }, [umapFailed]);

  const pcaMap = pca.state.status === 'success' ? pca.state.value : null;
  const umapState: AsyncState<unknown> = umap.state.status === 'error' && isCancelled(umap.state.error) ? { status: 'idle' } : umap.state;
  return {
    method,
    shown: method === 'umap' && umapMap ? umapMap : pcaMap,
    pca: pca.state,
    umap: umapState,
    choose,
    cancelUmap,
    cancelPca: pca.cancel,
    reloadPca: pca.reload,
  };
}
