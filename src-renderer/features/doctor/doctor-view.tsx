import { useState } from 'react';
import type { DoctorReport } from '../../../shared/models.js';
import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { useAsync } from '../../client/use-async.js';
import { AsyncView } from '../../components/async-view.js';
import { Badge } from '../../components/badge.js';
import { formatBytes } from '../../components/value/format.js';
import { DoctorCollections } from './doctor-collections.js';
import { DoctorSummary } from './doctor-summary.js';
import { FindingList } from './finding-list.js';
import { MigrateCard } from '../migrate/migrate-card.js';
import { RepairCard } from './repair-card.js';
import { ReplayCard } from '../migrate/replay-card.js';
import { StorageSection } from './storage-section.js';

/**
 * The doctor: a read-only health report of the whole folder (every tenant and database), each
 * finding with its evidence, what Chroma does about it and the fix; where the bytes are; and
 * repairs, which only ever write a new folder. It runs when the tab opens (reading is cheap next
 * to what it saves); measuring what a purge would reclaim copies the database, so it is asked for.
 */
export function DoctorView() {
  const client = useClient();
  const ws = useOpenFolder();
  const [measure, setMeasure] = useState(false);
  const report = useAsync<DoctorReport>(
    (signal, onProgress) => client.call('doctor', { handle: ws.handle, measureReclaim: measure, private: false }, { signal, onProgress }),
    [ws.handle, measure],
  );
  return (
    <div className="page doctor-view" data-testid="doctor-view">
      <header className="page-head">
        <div>
          <h2 className="page-title">Doctor</h2>
          <div className="page-sub">
            Health of <span className="mono">{ws.info.path}</span> across every tenant and database. Only read: repairs write a new folder.
          </div>
        </div>
        <div className="page-badges">
          <Badge tone="info">{formatBytes(ws.info.totalBytes)} on disk</Badge>
          <label className="check" title="Copies chroma.sqlite3 to a temporary file, purges and vacuums the copy, and measures it">
            <input type="checkbox" checked={measure} onChange={(e) => setMeasure(e.target.checked)} data-testid="doctor-measure" />
            Measure what purge + VACUUM reclaim
          </label>
          <button type="button" className="btn btn-sm" onClick={report.reload} disabled={report.state.status === 'loading'} data-testid="doctor-rerun">
            Examine again
          </button>
        </div>
      </header>
      <AsyncView state={report.state} onCancel={report.cancel} onRetry={report.reload} loadingLabel="Examining the folder…">
        {(r) => (
          <div className="doctor-body" data-testid="doctor-report">
            <DoctorSummary report={r} />
            <FindingList findings={r.findings} />
            <RepairCard report={r} />
            <DoctorCollections collections={r.collections} />
            <StorageSection storage={r.storage} />
          </div>
        )}
      </AsyncView>
      <div className="doctor-tools">
        <MigrateCard />
        <ReplayCard />
      </div>
    </div>
  );
}
