import { useState } from 'react';
import type { ReplayOutcome } from '../../../shared/models.js';
import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { useRunner } from '../../client/use-async.js';
import { Section } from '../../components/section.js';
import { formatCount } from '../../components/value/format.js';
import { CardError } from '../backup/card-error.js';
import { besideFolder } from '../backup/default-paths.js';
import { Field, SuggestedPathField } from '../backup/form-field.js';
import { PathLine, Stats, Warnings } from '../backup/outcome-parts.js';
import { TaskProgress } from '../backup/task-progress.js';
import { useSuggested } from '../backup/use-suggested.js';

/** Point-in-time restore: a new folder holding what this folder held after WAL entry N. */
export function ReplayCard() {
  const client = useClient();
  const ws = useOpenFolder();
  const runner = useRunner<ReplayOutcome>();
  const [seqText, setSeqText] = useState('');
  const seq = /^\d+$/.test(seqText.trim()) ? Number(seqText.trim()) : null;
  const target = useSuggested(besideFolder(ws.info.path, `-at-seq-${seq ?? 'N'}`));
  const running = runner.state.status === 'loading';
  const ready = seq !== null && target.value.trim() !== '' && !running;

  const run = () => {
    if (!ready || seq === null) return;
    const input = { handle: ws.handle, newFolder: target.value.trim(), seq };
    void runner.run((signal, onProgress) => client.call('replayToSeq', input, { signal, onProgress }));
  };

  return (
    <Section title="Replay to a WAL seq" testId="replay-card" aside={<span className="muted">point-in-time restore</span>}>
      <p className="card-lead">Rebuilds the folder as it was after a write-ahead-log entry, into a new folder, for a WAL Chroma never purged.</p>
      <div className="form-rows">
        <Field label="WAL seq" hint="The seq_id of a WAL entry (see the WAL view); entries up to it are applied.">
          {(id) => <input id={id} className="input" inputMode="numeric" value={seqText} onChange={(e) => setSeqText(e.target.value)} disabled={running} data-testid="replay-seq" />}
        </Field>
        <SuggestedPathField label="New folder" path={target} testId="replay-target" placeholder="/path/to/new-folder" disabled={running} />
      </div>
      <div className="card-actions">
        <button type="button" className="btn btn-primary" onClick={run} disabled={!ready} data-testid="replay-run">
          Replay
        </button>
      </div>
      {runner.state.status === 'loading' && <TaskProgress progress={runner.state.progress} unit="steps" onCancel={runner.cancel} prefix="replay" label="Checking the WAL…" />}
      {runner.state.status === 'error' && <CardError error={runner.state.error} testId="replay-error" />}
      {runner.state.status === 'success' && <ReplayResult r={runner.state.value} onOpen={(folder) => void ws.openFolder(folder)} />}
    </Section>
  );
}

function ReplayResult({ r, onOpen }: { r: ReplayOutcome; onOpen(folder: string): void }) {
  return (
    <div className="card-result" data-testid="replay-result">
      <div className="result-title">
        <span className="result-ok" aria-hidden="true">✓</span> The folder as of seq {r.seq}
        <span className="spacer" />
        <button type="button" className="btn btn-sm btn-primary" onClick={() => onOpen(r.folder)} data-testid="replay-open">
          Open it
        </button>
      </div>
      <PathLine label="Folder" path={r.folder} testId="replay-result-folder" />
      <Stats
        items={r.collections.map((c) => ({ label: `${c.tenant}/${c.database}/${c.name}`, value: `${formatCount(c.records)} records`, tone: c.skipped > 0 ? 'warn' : undefined }))}
      />
      <Warnings warnings={r.warnings} testId="replay-warnings" />
    </div>
  );
}
