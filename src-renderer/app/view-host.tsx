import { useEffect, useState, type ReactNode } from 'react';
import { useWorkspace } from './workspace-context.js';
import { viewById, type ViewId } from './views.js';
import { viewUnavailable } from './source-capabilities.js';
import { EmptyState } from '../components/empty-state.js';
import { FolderOverview } from '../features/folder-overview/folder-overview.js';
import { CollectionView } from '../features/collection/collection-view.js';
import { RecordsView } from '../features/records/records-view.js';
import { SearchView } from '../features/search/search-view.js';
import { VectorQueryView } from '../features/vector-query/vector-query-view.js';
import { WalView } from '../features/wal/wal-view.js';
import { MetadataRowsView } from '../features/metadata-rows/metadata-rows-view.js';
import { SqlView } from '../features/sql/sql-view.js';
import { BackupView } from '../features/backup/backup-view.js';
import { DoctorView } from '../features/doctor/doctor-view.js';
import { RecallView } from '../features/recall/recall-view.js';
import { DiffView } from '../features/diff/diff-view.js';
import { MapView } from '../features/map/map-view.js';

/**
 * Renders the active view. Views once opened stay mounted (hidden) so switching tabs keeps their
 * state and scroll position; collection-bound views remount when the collection changes.
 */
export function ViewHost() {
  const ws = useWorkspace();
  const [visited, setVisited] = useState<Set<ViewId>>(() => new Set([ws.view]));
  useEffect(() => setVisited((s) => (s.has(ws.view) ? s : new Set(s).add(ws.view))), [ws.view]);
  const handle = ws.folder?.handle ?? '';
  const cid = ws.collection?.id ?? '';

  const render = (id: ViewId): ReactNode => {
    const def = viewById(id);
    // A folder-only view on a server source explains itself instead of failing call by call.
    const absent = viewUnavailable(ws.capabilities, id);
    if (absent) {
      return (
        <EmptyState title={`${def.label} needs a folder`} testId="source-absent">
          {absent}
        </EmptyState>
      );
    }
    if (def.needsCollection && !ws.collection) {
      return <EmptyState title="No collection selected">Pick a collection in the sidebar, or press Ctrl+K and type its name.</EmptyState>;
    }
    switch (id) {
      case 'overview':
        return <FolderOverview key={handle} />;
      case 'collection':
        return <CollectionView key={`${handle}:${cid}`} />;
      case 'records':
        return <RecordsView key={`${handle}:${cid}`} />;
      case 'search':
        return <SearchView key={`${handle}:${cid}`} />;
      case 'query':
        return <VectorQueryView key={`${handle}:${cid}`} />;
      case 'wal':
        return <WalView key={handle} />;
      case 'metadata':
        return <MetadataRowsView key={handle} />;
      case 'sql':
        return <SqlView key={handle} />;
      case 'backup':
        return <BackupView key={handle} />;
      case 'doctor':
        return <DoctorView key={handle} />;
      case 'map':
        return <MapView key={`${handle}:${cid}`} />;
      case 'diff':
        return <DiffView key={handle} />;
      case 'recall':
        return <RecallView key={`${handle}:${cid}`} />;
    }
  };

  return (
    <div className="view-host">
      {[...visited].map((id) => (
        <div key={id} className="view-pane" hidden={ws.view !== id} data-testid={`pane-${id}`} role="tabpanel">
          {render(id)}
        </div>
      ))}
    </div>
  );
}
