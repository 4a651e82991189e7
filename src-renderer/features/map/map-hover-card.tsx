import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { useAsync } from '../../client/use-async.js';
import type { MapIds } from './use-map-ids.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The hovered record: its id at once (or as soon as it is asked for, on a map sent without its
 * ids), its document once the pointer rests on it.
 */
export function MapHoverCard({ point, ids }: { point: number; ids: MapIds }) {
  const client = useClient();
  const ws = useOpenFolder();
  const collectionId = ws.collection?.id ?? '';
  const now = ids.idNow(point);
  const asked = useAsync<string | null>((signal) => (now !== undefined ? Promise.resolve(null) : ids.idsOf([point], signal).then(([id]) => id!)), [point, ids]);
  const id = now ?? (asked.state.status === 'success' ? asked.state.value : null);
  const { state } = useAsync(
    id === null ? null : (signal) => sleep(150).then(() => (signal.aborted ? null : client.call('recordDetail', { handle: ws.handle, collectionId, id }, { signal }))),
    [ws.handle, collectionId, id],
  );
  if (id === null) return null;
  const doc = state.status === 'success' ? state.value?.document : null;
  return (
    <div className="map-tooltip" data-testid="map-hover">
      <code>{id}</code>
      {doc && <div className="map-tooltip-doc">{doc.length > 160 ? `${doc.slice(0, 160)}…` : doc}</div>}
    </div>
  );
}
