import { useState } from 'react';
import type { BackupOutcome } from '../../../shared/contract.js';
import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { useRunner } from '../../client/use-async.js';
import { Section } from '../../components/section.js';
import { formatBytes, formatCount } from '../../components/value/format.js';
import { CardError } from './card-error.js';
import { besideFolder, dateStamp, defaultBackupZip, safeName } from './default-paths.js';
import { Field, SuggestedPathField } from './form-field.js';
import { CollectionCounts, PathLine, Stats, totalRecords } from './outcome-parts.js';
import { TaskProgress } from './task-progress.js';
import { useSuggested } from './use-suggested.js';

type Scope = 'folder' | 'collection';

/**
 * 1. Back up the open folder (or only the current collection) to a zip: a consistent snapshot
 * with a manifest of files, checksums and per-collection counts.
 */
export function BackupCard({ onBackedUp }: { onBackedUp(zip: string): void }) {
  const client = useClient();
  const ws = useOpenFolder();
  const runner = useRunner<BackupOutcome>();
  const [scope, setScope] = useState<Scope>('folder');
  const [excludeOrphans, setExcludeOrphans] = useState(false);
  const collection = ws.collection;
  const effective: Scope = scope === 'collection' && collection ? 'collection' : 'folder';
  // A server source: no folder to put the zip beside (the user names it), no orphan folders.
  const beside = ws.capabilities.outputsBesideSource;
  const server = ws.capabilities.kind === 'server';
  const out = useSuggested(
    !beside ? '' : effective === 'collection' && collection ? besideFolder(ws.info.path, `-${safeName(collection.name)}-backup-${dateStamp()}.zip`) : defaultBackupZip(ws.info.path),
  );
  const orphans = ws.info.orphans.segmentFolders.length;
  const running = runner.state.status === 'loading';

  const run = () => {
    const outZip = out.value.trim();
    if (!outZip || running) return;
    const collectionId = effective === 'collection' ? collection?.id : undefined;
    void runner.run(async (signal, onProgress) => {
      const r = await client.call('backup', { handle: ws.handle, outZip, ...(collectionId ? { collectionId } : {}), excludeOrphans }, { signal, onProgress });
      onBackedUp(r.zip);
      return r;
    });
  };

  return (
    <Section title="Back up" testId="backup-card" aside={<span className="muted">zip with manifest and checksums</span>}>
      <p className="card-lead">
        {server
          ? "The server's records copied into Chroma's folder format, verified, then zipped as a folder backup is. The server is only read."
          : 'A consistent snapshot of the folder, safe to take while Chroma is running. The folder itself is only read.'}
      </p>
      <div className="form-rows">
        <SuggestedPathField label="Output zip" path={out} testId="backup-out" placeholder="/path/to/backup.zip" disabled={running} hint={beside ? 'Beside the open folder; change it freely.' : 'A path on the machine running the engine.'} />
        <Field label="Scope">
          {(id) => (
            <select id={id} className="input" value={effective} onChange={(e) => setScope(e.target.value as Scope)} disabled={running} data-testid="backup-scope">
              <option value="folder">
                {server ? 'Whole database' : 'Whole folder'} ({formatCount(ws.collections.length)} collections)
              </option>
              <option value="collection" disabled={!collection}>
                {collection ? `Only ${collection.name} (${formatCount(collection.count)} records)` : 'Only the current collection (none selected)'}
              </option>
            </select>
          )}
        </Field>
        {!server && (
          <Field label="Orphans">
            {(id) => (
              <label className="check" htmlFor={id}>
                <input id={id} type="checkbox" checked={excludeOrphans} onChange={(e) => setExcludeOrphans(e.target.checked)} disabled={running} data-testid="backup-exclude-orphans" />
                Exclude orphan folders
                <span className="muted">{orphans === 0 ? '(this folder has none)' : `(${orphans} segment folder${orphans > 1 ? 's' : ''} without a segment)`}</span>
              </label>
            )}
          </Field>
        )}
      </div>
      <div className="card-actions">
        <button type="button" className="btn btn-primary" onClick={run} disabled={running || !out.value.trim()} data-testid="backup-run">
          Back up
        </button>
      </div>
      {runner.state.status === 'loading' && <TaskProgress progress={runner.state.progress} unit={server ? 'records' : 'bytes'} onCancel={runner.cancel} prefix="backup" label="Starting the backup…" />}
      {runner.state.status === 'error' && <CardError error={runner.state.error} testId="backup-error" />}
      {runner.state.status === 'success' && <BackupResult r={runner.state.value} />}
    </Section>
  );
}

function BackupResult({ r }: { r: BackupOutcome }) {
  return (
    <div className="card-result" data-testid="backup-result">
      <div className="result-title">
        <span className="result-ok" aria-hidden="true">✓</span> Backup written
      </div>
      <PathLine label="Zip" path={r.zip} testId="backup-result-zip" />
      <Stats
        items={[
          { label: 'Zip size', value: formatBytes(r.bytes), testId: 'backup-result-bytes' },
          { label: 'Collections', value: formatCount(r.collections.length) },
          { label: 'Records', value: formatCount(totalRecords(r.collections)) },
        ]}
      />
      <CollectionCounts collections={r.collections} compare={false} testId="backup-counts" />
    </div>
  );
}
