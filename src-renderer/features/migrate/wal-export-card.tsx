import { useState } from 'react';
import type { WalExportOutcome } from '../../../shared/models.js';
import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { useRunner } from '../../client/use-async.js';
import { Section } from '../../components/section.js';
import { formatCount } from '../../components/value/format.js';
import { CardError } from '../backup/card-error.js';
import { besideFolder, dateStamp, safeName } from '../backup/default-paths.js';
import { Field, SuggestedPathField } from '../backup/form-field.js';
import { PathLine, Stats, Warnings } from '../backup/outcome-parts.js';
import { TaskProgress } from '../backup/task-progress.js';
import { useSuggested } from '../backup/use-suggested.js';

type WalFormat = 'jsonl' | 'parquet';

/** The write-ahead log, one row per entry (seq, collection, operation, id, document, metadata, vector), to a file. */
export function WalExportCard() {
  const client = useClient();
  const ws = useOpenFolder();
  const runner = useRunner<WalExportOutcome>();
  const [format, setFormat] = useState<WalFormat>('jsonl');
  const [onlyCurrent, setOnlyCurrent] = useState(false);
  const [embeddings, setEmbeddings] = useState(true);
  const scope = onlyCurrent && ws.collection ? ws.collection : null;
  const out = useSuggested(besideFolder(ws.info.path, `-wal${scope ? `-${safeName(scope.name)}` : ''}-${dateStamp()}.${format}`));
  const running = runner.state.status === 'loading';
  const ready = out.value.trim() !== '' && !running;

  const run = () => {
    if (!ready) return;
    const input = { handle: ws.handle, outFile: out.value.trim(), format, embeddings, ...(scope ? { collectionId: scope.id } : {}) };
    void runner.run((signal, onProgress) => client.call('exportWal', input, { signal, onProgress }));
  };

  return (
    <Section title="WAL export" testId="wal-export-card" aside={<span className="muted">JSONL · Parquet</span>}>
      <p className="card-lead">Writes every write-ahead-log entry, in seq order, with its typed metadata and vector.</p>
      <div className="form-rows">
        <Field label="Entries">
          {() => (
            <label className="form-static">
              <input type="checkbox" checked={onlyCurrent} onChange={(e) => setOnlyCurrent(e.target.checked)} disabled={running || !ws.collection} data-testid="wal-export-only" />{' '}
              only {ws.collection ? <b>{ws.collection.name}</b> : 'the current collection'}
            </label>
          )}
        </Field>
        <Field label="Format">
          {(id) => (
            <select id={id} className="input" value={format} onChange={(e) => setFormat(e.target.value as WalFormat)} disabled={running} data-testid="wal-export-format">
              <option value="jsonl">JSONL (one entry per line)</option>
              <option value="parquet">Parquet</option>
            </select>
          )}
        </Field>
        <Field label="Vectors">
          {() => (
            <label className="form-static">
              <input type="checkbox" checked={embeddings} onChange={(e) => setEmbeddings(e.target.checked)} disabled={running} data-testid="wal-export-embeddings" /> include each entry's vector
            </label>
          )}
        </Field>
        <SuggestedPathField label="Output file" path={out} testId="wal-export-out" placeholder="/path/to/wal.jsonl" disabled={running} />
      </div>
      <div className="card-actions">
        <button type="button" className="btn btn-primary" onClick={run} disabled={!ready} data-testid="wal-export-run">
          Export WAL
        </button>
      </div>
      {runner.state.status === 'loading' && <TaskProgress progress={runner.state.progress} unit="steps" onCancel={runner.cancel} prefix="wal-export" label="Starting the export…" />}
      {runner.state.status === 'error' && <CardError error={runner.state.error} testId="wal-export-error" />}
      {runner.state.status === 'success' && (
        <div className="card-result" data-testid="wal-export-result">
          <div className="result-title">
            <span className="result-ok" aria-hidden="true">✓</span> WAL exported
          </div>
          <PathLine label="File" path={runner.state.value.file} testId="wal-export-result-file" />
          <Stats items={[{ label: 'Entries written', value: formatCount(runner.state.value.rows) }, { label: 'Format', value: runner.state.value.format.toUpperCase() }]} />
          <Warnings warnings={runner.state.value.warnings} testId="wal-export-warnings" />
        </div>
      )}
    </Section>
  );
}
