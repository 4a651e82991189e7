import type { EmbeddingMap } from '../../../shared/models.js';
import { CallProgress } from '../../components/call-progress.js';
import { ErrorState } from '../../components/error-state.js';
import type { MapLayout, MapMethod } from './use-map-layout.js';

const METHODS: { method: MapMethod; label: string; title: string }[] = [
  { method: 'pca', label: 'PCA', title: 'The two directions of most variance: every point, at once' },
  { method: 'umap', label: 'UMAP', title: 'A layout that keeps each point near its nearest neighbours (HNSW): up to 50,000 points, laid out on request' },
];

/** PCA / UMAP, in the map's toolbar. */
export function MapMethodToggle({ layout }: { layout: MapLayout }) {
  return (
    <div className="seg-toggle" role="group" aria-label="Map layout">
      {METHODS.map((m) => (
        <button
          key={m.method}
          type="button"
          className={layout.method === m.method ? 'on' : ''}
          aria-pressed={layout.method === m.method}
          title={m.title}
          onClick={() => layout.choose(m.method)}
          data-testid={`map-method-${m.method}`}
        >
          {m.label}
        </button>
      ))}
    </div>
  );
}

/** A UMAP layout under way (its steps, done / total, Cancel), or why it could not be made. */
export function MapUmapStatus({ layout }: { layout: MapLayout }) {
  const s = layout.umap;
  if (s.status === 'loading') {
    return (
      <div className="map-umap-status" data-testid="map-umap-progress">
        <CallProgress progress={s.progress} onCancel={layout.cancelUmap} label="Laying out (UMAP)…" />
        <span className="muted">The map shows PCA until the layout is done.</span>
      </div>
    );
  }
  if (s.status === 'error') {
    return (
      <div className="map-umap-status">
        <ErrorState error={s.error} title="UMAP could not lay out this collection" onRetry={() => layout.choose('umap')} compact />
      </div>
    );
  }
  return null;
}

/**
 * What the drawn layout is: how many points (all, or which sample) and, for PCA, how much of the
 * variance its axes show (UMAP's axes have no such meaning, so nothing is said of them).
 */
export function MapInfo({ map, pca }: { map: EmbeddingMap; pca: EmbeddingMap | null }) {
  const n = (x: number) => x.toLocaleString();
  let what: string;
  if (map.method === 'umap') {
    const pcaShows = !pca || pca.count === map.total ? 'PCA shows all' : `PCA shows ${n(pca.count)}`;
    what = map.sampled ? `UMAP of a uniform sample of ${n(map.count)} of ${n(map.total)} points (${pcaShows})` : `UMAP of all ${n(map.count)} points`;
  } else {
    const sample = map.sampled ? ` (a uniform sample of ${n(map.total)})` : '';
    what = `${n(map.count)} points${sample} · PCA, axes show ${(100 * (map.explained[0] + map.explained[1])).toFixed(0)}% of the variance`;
  }
  return (
    <span className="muted" data-testid="map-info" data-method={map.method}>
      {what} · Shift + drag to lasso, click a point for its neighbours
    </span>
  );
}
