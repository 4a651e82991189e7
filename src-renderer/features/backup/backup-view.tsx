import { useState } from 'react';
import { useOpenFolder } from '../../app/workspace-context.js';
import { Badge } from '../../components/badge.js';
import { formatBytes } from '../../components/value/format.js';
import { BackupCard } from './backup-card.js';
import { CopyCard } from './copy-card.js';
import { ExportCard } from './export-card.js';
import { RestoreCard } from './restore-card.js';
import { VerifyCard } from './verify-card.js';
import { WalExportCard } from '../migrate/wal-export-card.js';
import { FolderOnlyCard } from './folder-only-card.js';

/**
 * Back up, verify, restore, export and copy, each a card with its own progress, Cancel and inline
 * errors, so one failing never blocks the others. A backup just made becomes the zip the verify
 * and restore cards suggest.
 */
export function BackupView() {
  const { info, capabilities } = useOpenFolder();
  const server = Boolean(info.server);
  const [lastZip, setLastZip] = useState('');
  return (
    <div className="page backup-view" data-testid="backup-view">
      <header className="page-head">
        <div>
          <h2 className="page-title">Backup &amp; export</h2>
          <div className="page-sub">
            Back up <span className="mono">{info.path}</span>, check a backup, restore one into a new folder, export records, or copy collections to another folder or server.
          </div>
        </div>
        <div className="page-badges">
          {!server && <Badge tone="info">{formatBytes(info.totalBytes)} on disk</Badge>}
          {!server && info.activity.likelyInUse && (
            <Badge tone="warn" title={info.activity.reasons.join('\n')}>
              likely in use · the snapshot stays consistent
            </Badge>
          )}
        </div>
      </header>
      <div className="backup-cards">
        <BackupCard onBackedUp={setLastZip} />
        <VerifyCard suggestedZip={lastZip} />
        <RestoreCard suggestedZip={lastZip} />
        <ExportCard />
        <CopyCard />
        {capabilities.walExport ? <FolderOnlyCard title="WAL export" reason={capabilities.walExport} testId="wal-export-card" /> : <WalExportCard />}
      </div>
    </div>
  );
}
