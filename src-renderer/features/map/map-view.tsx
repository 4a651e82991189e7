import { useMemo, useState } from 'react';
import type { EmbeddingMap, MapColors } from '../../../shared/models.js';
import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { useAsync } from '../../client/use-async.js';
import { AsyncView } from '../../components/async-view.js';
import { Badge } from '../../components/badge.js';
import { RecordsGrid } from '../records/records-grid.js';
import { useMetadataKeys } from '../records/use-metadata-keys.js';
import { colorIndices, legend } from './map-palette.js';
import { MapCanvas } from './map-canvas.js';
import { MapTextPlace } from './map-text-place.js';
import { MapInfo, MapMethodToggle, MapUmapStatus } from './map-method.js';
import { MapHoverCard } from './map-hover-card.js';
import { useMapLayout } from './use-map-layout.js';
import { useMapIds } from './use-map-ids.js';
import { GRID_IDS, useMapSelection } from './use-map-selection.js';

function decodeXy(map: EmbeddingMap): Float32Array {
  const bytes = Uint8Array.from(atob(map.xy), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

const rgbOf = (hex: string): [number, number, number] => [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];

/**
 * The embedding map (docs/embedding-map.md): every vector of the collection in 2-D (PCA, or UMAP
 * on request), drawn with WebGL. Colour and size by metadata keys, hover names the record, Shift + drag lassoes and
 * filters the records grid below, a click finds the point's nearest neighbours (Chroma's query)
 * and highlights them, and a pasted vector or a text (embedded here) is placed on the map.
 */
export function MapView() {
  const client = useClient();
  const ws = useOpenFolder();
  const collectionId = ws.collection?.id ?? '';
  const { keys } = useMetadataKeys(ws.handle, collectionId, ws.revision);
  const [colorKey, setColorKey] = useState('');
  const [sizeKey, setSizeKey] = useState('');
  const [hover, setHover] = useState<number | null>(null);
  const [vectorText, setVectorText] = useState('');
  const [toPlace, setToPlace] = useState<{ vector: number[]; label: string } | null>(null);

  const layout = useMapLayout(ws.handle, collectionId, ws.revision, ws.collection?.count ?? 0);
  const map = layout.shown;
  const ids = useMapIds(map, ws.handle, collectionId);
  const picked = useMapSelection(map, ids, ws.handle, collectionId);
  // Colours, sizes and the placed vector are per layout: each follows the one drawn.
  const method = map?.method ?? 'pca';
  const colors = useAsync<MapColors | null>(
    (signal) => (colorKey ? client.call('mapColors', { handle: ws.handle, collectionId, key: colorKey, method }, { signal }) : Promise.resolve(null)),
    [ws.handle, collectionId, colorKey, method, ws.revision],
  );
  const sizes = useAsync<MapColors | null>(
    (signal) => (sizeKey ? client.call('mapColors', { handle: ws.handle, collectionId, key: sizeKey, method }, { signal }) : Promise.resolve(null)),
    [ws.handle, collectionId, sizeKey, method, ws.revision],
  );
  const projected = useAsync<{ x: number; y: number; label: string } | null>(
    (signal) => (toPlace ? client.call('mapProject', { handle: ws.handle, collectionId, vector: toPlace.vector, method }, { signal }).then((p) => ({ ...p, label: toPlace.label })) : Promise.resolve(null)),
    [toPlace, method, ws.handle, collectionId, ws.revision],
  );
  const coords = useMemo(() => (map ? decodeXy(map) : null), [map]);

  const colorState = colors.state.status === 'success' ? colors.state.value : null;
  const sizeState = sizes.state.status === 'success' ? sizes.state.value : null;
  const rgb = useMemo(() => {
    const count = map?.count ?? 0;
    const c = colorIndices(colorState, count);
    const palette = c.palette.map(rgbOf);
    const out = new Uint8Array(count * 3);
    for (let i = 0; i < count; i++) out.set(palette[c.values[i]!] ?? palette[0]!, 3 * i);
    return out;
  }, [map, colorState]);
  const pointSizes = useMemo(() => Float32Array.from({ length: map?.count ?? 0 }, (_, i) => (sizeState ? 2 + 8 * Math.max(0, sizeState.values[i] ?? 0) : 3)), [map, sizeState]);

  const place = (vector: number[], label: string) => setToPlace({ vector, label });
  const project = () => {
    let vector: number[];
    try {
      vector = JSON.parse(vectorText) as number[];
    } catch {
      return;
    }
    place(vector, 'the pasted vector');
  };
  const placed = projected.state.status === 'success' ? projected.state.value : null;
  const pcaMap = layout.pca.status === 'success' ? layout.pca.value : null;
  const { selection, neighbours, gridFilter } = picked;
  const numericKeys = keys.filter((k) => k.types.some((t) => t === 'int' || t === 'float'));

  return (
    <div className="view-fill map-view" data-testid="map-view">
      <div className="map-toolbar">
        <MapMethodToggle layout={layout} />
        <label className="field-inline">
          colour by
          <select className="input input-sm" value={colorKey} onChange={(e) => setColorKey(e.target.value)} data-testid="map-color-key">
            <option value="">(none)</option>
            {keys.map((k) => (
              <option key={k.key} value={k.key}>
                {k.key}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline">
          size by
          <select className="input input-sm" value={sizeKey} onChange={(e) => setSizeKey(e.target.value)} data-testid="map-size-key">
            <option value="">(none)</option>
            {numericKeys.map((k) => (
              <option key={k.key} value={k.key}>
                {k.key}
              </option>
            ))}
          </select>
        </label>
        <input className="input input-sm map-vector" value={vectorText} onChange={(e) => setVectorText(e.target.value)} placeholder="[0.1, 0.2, …] a query vector to place" data-testid="map-vector" />
        <button type="button" className="btn btn-xs" onClick={project} disabled={!vectorText.trim() || !map} data-testid="map-project">
          Place
        </button>
        <MapTextPlace disabled={!map} onVector={place} />
        <span className="spacer" />
        {map && <MapInfo map={map} pca={pcaMap} />}
      </div>
      <MapUmapStatus layout={layout} />
      {projected.state.status === 'error' && <div className="inline-error">{projected.state.error.message}</div>}
      {picked.error && <div className="inline-error">{picked.error.message}</div>}
      <div className="map-stage">
        {coords && (
          <MapCanvas
            xy={coords}
            colors={rgb}
            sizes={pointSizes}
            selected={picked.flags}
            marker={placed ? [placed.x, placed.y] : null}
            onHover={setHover}
            onLasso={picked.onLasso}
            onClick={picked.onClick}
          />
        )}
        <AsyncView state={layout.pca.status === 'success' ? { status: 'idle' } : layout.pca} onCancel={layout.cancelPca} onRetry={layout.reloadPca} loadingLabel="Projecting the vectors…">
          {() => null}
        </AsyncView>
        <div className="map-legend" data-testid="map-legend">
          {legend(colors.state.status === 'success' ? colors.state.value : null).map((l) => (
            <span key={l.label} className="map-legend-item">
              <span className="map-swatch" style={{ background: l.color }} />
              {l.label}
            </span>
          ))}
        </div>
        {hover !== null && map && <MapHoverCard point={hover} ids={ids} />}
      </div>
      <div className="map-selection">
        {selection.length > 1 ? (
          <Badge tone="accent" testId="map-selection-count">
            {selection.length} selected{selection.length > GRID_IDS ? ` (the grid shows the first ${GRID_IDS})` : ''}
          </Badge>
        ) : neighbours ? (
          <Badge tone="accent" testId="map-neighbours">
            {neighbours.of} and its {neighbours.ids.length} nearest neighbours
          </Badge>
        ) : (
          <span className="muted">Lasso points (Shift + drag) or click one to list records here.</span>
        )}
        {placed && (
          <span className="map-placed" data-testid="map-marker" data-x={placed.x} data-y={placed.y}>
            <span className="map-marker-key" aria-hidden="true" /> {placed.label} at ({placed.x.toFixed(3)}, {placed.y.toFixed(3)})
          </span>
        )}
      </div>
      {gridFilter && <RecordsGrid key={JSON.stringify(gridFilter.ids.slice(0, 3)) + gridFilter.ids.length} name="map" filter={gridFilter} empty="No records" />}
    </div>
  );
}
