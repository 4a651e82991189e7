import { useState } from 'react';
import type { ExportOutcome } from '../../../shared/contract.js';
import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { useRunner } from '../../client/use-async.js';
import { Badge } from '../../components/badge.js';
import { Section } from '../../components/section.js';
import { formatCount } from '../../components/value/format.js';
import { CardError } from './card-error.js';
import { EXPORT_FORMATS, defaultExportFile, type ExportFormat } from './default-paths.js';
import { exportArgs, parseFilterText, type ParsedFilter } from './export-filter.js';
import { Field, SuggestedPathField } from './form-field.js';
import { PathLine, Stats, Warnings } from './outcome-parts.js';
import { TaskProgress } from './task-progress.js';
import { useSuggested } from './use-suggested.js';

const FORMAT_LABELS: Record<ExportFormat, string> = {
  jsonl: 'JSONL (one record per line)',
  csv: 'CSV (metadata as columns)',
  parquet: 'Parquet',
};

/** 4. Export the current collection, or the records a where / whereDocument selects, to a file. */
export function ExportCard() {
  const client = useClient();
  const ws = useOpenFolder();
  const runner = useRunner<ExportOutcome>();
  const collection = ws.collection;
  const [format, setFormat] = useState<ExportFormat>('jsonl');
  // A server's path is its URL: no folder to put the file beside, so the user names it.
  const out = useSuggested(collection && ws.capabilities.outputsBesideSource ? defaultExportFile(ws.info.path, collection.name, format) : '');
  const [whereText, setWhereText] = useState('');
  const [docText, setDocText] = useState('');
  const where = parseFilterText(whereText, 'where');
  const whereDocument = parseFilterText(docText, 'whereDocument');
  const running = runner.state.status === 'loading';
  const ready = Boolean(collection) && where.ok && whereDocument.ok && out.value.trim() !== '' && !running;

  const run = () => {
    if (!ready || !collection) return;
    const args = exportArgs(where, whereDocument);
    const input = { handle: ws.handle, collectionId: collection.id, outFile: out.value.trim(), format, ...(args ? { args } : {}) };
    void runner.run((signal, onProgress) => client.call('exportRecords', input, { signal, onProgress }));
  };

  return (
    <Section title="Export" testId="export-card" aside={<span className="muted">JSONL · CSV · Parquet</span>}>
      <p className="card-lead">Writes the collection’s records (ids, documents, metadata, embeddings) to a file, optionally only those a filter selects.</p>
      <div className="form-rows">
        <Field label="Collection" hint={collection ? 'The current collection; pick another in the sidebar.' : undefined}>
          {() =>
            collection ? (
              <div className="form-static" data-testid="export-collection">
                <b>{collection.name}</b> <span className="muted">{collection.tenant}/{collection.database}</span> <Badge>{formatCount(collection.count)} records</Badge>
              </div>
            ) : (
              <div className="form-static muted" data-testid="export-collection">
                No collection selected: pick one in the sidebar.
              </div>
            )
          }
        </Field>
        <Field label="Format">
          {(id) => (
            <select id={id} className="input" value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)} disabled={running} data-testid="export-format">
              {EXPORT_FORMATS.map((f) => (
                <option key={f} value={f}>
                  {FORMAT_LABELS[f]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <SuggestedPathField label="Output file" path={out} testId="export-out" placeholder="/path/to/export.jsonl" disabled={running || !collection} />
        <Field label="Filter" hint="Optional, as JSON, like collection.get(where=…, where_document=…). Empty exports every record.">
          {(id) => (
            <div className="filter-pair">
              <FilterText id={id} label="where" value={whereText} onChange={setWhereText} parsed={where} testId="export-where" placeholder='{"category": "news"}' disabled={running} />
              <FilterText label="whereDocument" value={docText} onChange={setDocText} parsed={whereDocument} testId="export-where-document" placeholder='{"$contains": "storm"}' disabled={running} />
            </div>
          )}
        </Field>
      </div>
      <div className="card-actions">
        <button type="button" className="btn btn-primary" onClick={run} disabled={!ready} data-testid="export-run">
          Export
        </button>
      </div>
      {runner.state.status === 'loading' && <TaskProgress progress={runner.state.progress} unit="records" onCancel={runner.cancel} prefix="export" label="Starting the export…" />}
      {runner.state.status === 'error' && <CardError error={runner.state.error} testId="export-error" />}
      {runner.state.status === 'success' && <ExportResult r={runner.state.value} />}
    </Section>
  );
}

interface FilterTextProps {
  id?: string;
  label: string;
  value: string;
  onChange(v: string): void;
  parsed: ParsedFilter;
  testId: string;
  placeholder: string;
  disabled: boolean;
}

function FilterText({ id, label, value, onChange, parsed, testId, placeholder, disabled }: FilterTextProps) {
  return (
    <div className="filter-text">
      <div className="filter-text-label mono">{label}</div>
      <textarea
        id={id}
        className={`code-input${parsed.ok ? '' : ' invalid'}`}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder={placeholder}
        spellCheck={false}
        rows={Math.min(8, Math.max(3, value.split('\n').length))}
        disabled={disabled}
        aria-label={label}
        data-testid={testId}
      />
      {!parsed.ok && (
        <div className="json-note sev-error" data-testid={`${testId}-note`}>
          {parsed.error}
        </div>
      )}
    </div>
  );
}

function ExportResult({ r }: { r: ExportOutcome }) {
  return (
    <div className="card-result" data-testid="export-result" data-records={r.records}>
      <div className="result-title">
        <span className="result-ok" aria-hidden="true">✓</span> Export written
      </div>
      <PathLine label="File" path={r.file} testId="export-result-file" />
      <Stats
        items={[
          { label: 'Records written', value: formatCount(r.records), testId: 'export-records' },
          { label: 'Format', value: r.format.toUpperCase() },
          { label: 'Warnings', value: formatCount(r.warnings.length), tone: r.warnings.length > 0 ? 'warn' : 'ok' },
        ]}
      />
      <Warnings warnings={r.warnings} testId="export-warnings" />
    </div>
  );
}
