import type { RestoreOutcome } from '../../../shared/contract.js';
import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { useRunner } from '../../client/use-async.js';
import { Badge } from '../../components/badge.js';
import { Section } from '../../components/section.js';
import { formatBytes, formatCount } from '../../components/value/format.js';
import { CardError } from './card-error.js';
import { defaultRestoreFolder } from './default-paths.js';
import { Field, PathInput, SuggestedPathField } from './form-field.js';
import { CollectionCounts, PathLine, Stats, Warnings } from './outcome-parts.js';
import { TaskProgress } from './task-progress.js';
import { useSuggested } from './use-suggested.js';

/** 3. Restore a backup zip into a new (or empty) folder, check it, and open it. */
export function RestoreCard({ suggestedZip }: { suggestedZip: string }) {
  const client = useClient();
  const ws = useOpenFolder();
  const runner = useRunner<RestoreOutcome>();
  const zip = useSuggested(suggestedZip);
  const target = useSuggested(ws.capabilities.outputsBesideSource ? defaultRestoreFolder(ws.info.path) : '');
  const running = runner.state.status === 'loading';

  const run = () => {
    const z = zip.value.trim();
    const newFolder = target.value.trim();
    if (!z || !newFolder || running) return;
    void runner.run((signal, onProgress) => client.call('restoreBackup', { zip: z, newFolder }, { signal, onProgress }));
  };

  return (
    <Section title="Restore" testId="restore-card" aside={<span className="muted">into a new folder</span>}>
      <p className="card-lead" data-testid="restore-note">
        Restore only writes into a new or empty folder; it never overwrites existing data.
      </p>
      <div className="form-rows">
        <Field label="Backup zip">
          {(id) => <PathInput id={id} value={zip.value} onChange={zip.set} testId="restore-zip" placeholder="/path/to/backup.zip" disabled={running} />}
        </Field>
        <SuggestedPathField label="New folder" path={target} testId="restore-target" placeholder="/path/to/new-folder" disabled={running} />
      </div>
      <div className="card-actions">
        <button type="button" className="btn btn-primary" onClick={run} disabled={running || !zip.value.trim() || !target.value.trim()} data-testid="restore-run">
          Restore
        </button>
      </div>
      {runner.state.status === 'loading' && <TaskProgress progress={runner.state.progress} unit="bytes" onCancel={runner.cancel} prefix="restore" label="Extracting…" />}
      {runner.state.status === 'error' && <CardError error={runner.state.error} testId="restore-error" />}
      {runner.state.status === 'success' && <RestoreResult r={runner.state.value} onOpen={(folder) => void ws.openFolder(folder)} />}
    </Section>
  );
}

function RestoreResult({ r, onOpen }: { r: RestoreOutcome; onOpen(folder: string): void }) {
  return (
    <div className="card-result" data-testid="restore-result">
      <div className="result-title">
        <span className="result-ok" aria-hidden="true">✓</span> Restored and checked
        <span className="spacer" />
        <button type="button" className="btn btn-sm btn-primary" onClick={() => onOpen(r.folder)} data-testid="restore-open">
          Open restored folder
        </button>
      </div>
      <PathLine label="Folder" path={r.folder} testId="restore-result-folder" />
      <Stats
        items={[
          { label: 'Files', value: formatCount(r.files) },
          { label: 'Bytes', value: formatBytes(r.bytes) },
          { label: 'Manifest', value: r.hasManifest ? <Badge tone="ok">yes</Badge> : <Badge tone="warn">no</Badge> },
        ]}
      />
      <CollectionCounts collections={r.collections} compare testId="restore-counts" />
      <Warnings warnings={r.warnings} testId="restore-warnings" />
    </div>
  );
}
