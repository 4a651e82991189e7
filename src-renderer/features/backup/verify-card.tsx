import type { VerifyOutcome } from '../../../shared/contract.js';
import { useClient } from '../../client/client-context.js';
import { useRunner } from '../../client/use-async.js';
import { Badge } from '../../components/badge.js';
import { Section } from '../../components/section.js';
import { formatBytes, formatCount } from '../../components/value/format.js';
import { CardError } from './card-error.js';
import { Field, PathInput } from './form-field.js';
import { CollectionCounts, PathLine, Stats, Warnings, isMismatch } from './outcome-parts.js';
import { TaskProgress } from './task-progress.js';
import { useSuggested } from './use-suggested.js';

/**
 * 2. Verify a backup zip without restoring it anywhere permanent: checksums, manifest, and the
 * records each collection really has against what the manifest recorded.
 */
export function VerifyCard({ suggestedZip }: { suggestedZip: string }) {
  const client = useClient();
  const runner = useRunner<VerifyOutcome>();
  const zip = useSuggested(suggestedZip);
  const running = runner.state.status === 'loading';

  const run = () => {
    const path = zip.value.trim();
    if (!path || running) return;
    void runner.run((signal, onProgress) => client.call('verifyBackup', { zip: path }, { signal, onProgress }));
  };

  return (
    <Section title="Verify a backup" testId="verify-card" aside={<span className="muted">read-only</span>}>
      <p className="card-lead">Checks every file against the manifest’s checksums and opens the database to count each collection’s records.</p>
      <div className="form-rows">
        <Field label="Backup zip" hint={suggestedZip && !zip.edited ? 'The backup you just made.' : undefined}>
          {(id) => <PathInput id={id} value={zip.value} onChange={zip.set} testId="verify-zip" placeholder="/path/to/backup.zip" disabled={running} />}
        </Field>
      </div>
      <div className="card-actions">
        <button type="button" className="btn btn-primary" onClick={run} disabled={running || !zip.value.trim()} data-testid="verify-run">
          Verify
        </button>
      </div>
      {runner.state.status === 'loading' && <TaskProgress progress={runner.state.progress} unit="bytes" onCancel={runner.cancel} prefix="verify" label="Reading the zip…" />}
      {runner.state.status === 'error' && <CardError error={runner.state.error} testId="verify-error" />}
      {runner.state.status === 'success' && <VerifyResult r={runner.state.value} />}
    </Section>
  );
}

function VerifyResult({ r }: { r: VerifyOutcome }) {
  const mismatches = r.collections.filter(isMismatch).length;
  const good = mismatches === 0 && r.warnings.length === 0;
  return (
    <div className="card-result" data-testid="verify-result" data-mismatches={mismatches}>
      <div className="result-title">
        {good ? (
          <>
            <span className="result-ok" aria-hidden="true">✓</span> The backup is intact
          </>
        ) : (
          <>
            <span className="result-warn" aria-hidden="true">!</span> {mismatches > 0 ? `${mismatches} collection count${mismatches > 1 ? 's' : ''} differ from the manifest` : 'Readable, with warnings'}
          </>
        )}
      </div>
      <PathLine label="Zip" path={r.zip} />
      <Stats
        items={[
          { label: 'Files', value: formatCount(r.files), testId: 'verify-files' },
          { label: 'Uncompressed', value: formatBytes(r.bytes), testId: 'verify-bytes' },
          {
            label: 'Manifest',
            value: r.hasManifest ? <Badge tone="ok">yes</Badge> : <Badge tone="warn">no</Badge>,
            testId: 'verify-manifest',
          },
          { label: 'Mismatches', value: formatCount(mismatches), tone: mismatches > 0 ? 'error' : 'ok' },
        ]}
      />
      <CollectionCounts collections={r.collections} compare testId="verify-counts" />
      <Warnings warnings={r.warnings} testId="verify-warnings" />
    </div>
  );
}
