import { useState } from 'react';
import type { MigrationPreview } from '../../../shared/models.js';
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

/** The version's text as a folder-name suffix. */
const versionSlug = (v: string) => v.trim().replace(/[^A-Za-z0-9.-]+/g, '_') || 'version';

/**
 * "What will Chroma X do to this folder?": a verified copy migrated exactly as that release
 * migrates at start, written to a new folder, with what changed. The open folder is only read.
 */
export function MigrateCard() {
  const client = useClient();
  const ws = useOpenFolder();
  const runner = useRunner<MigrationPreview>();
  const [version, setVersion] = useState('1.3.4');
  const target = useSuggested(besideFolder(ws.info.path, `-migrated-${versionSlug(version)}`));
  const running = runner.state.status === 'loading';
  const ready = version.trim() !== '' && target.value.trim() !== '' && !running;

  const run = () => {
    if (!ready) return;
    const input = { handle: ws.handle, newFolder: target.value.trim(), to: version.trim() };
    void runner.run((signal, onProgress) => client.call('migratePreview', input, { signal, onProgress }));
  };

  return (
    <Section title="Migration preview" testId="migrate-card" aside={<span className="muted">into a new folder</span>}>
      <p className="card-lead">
        Shows what a Chroma release does to this folder when it opens it: the migrations and rewrites are applied to a verified copy, never to this folder.
      </p>
      <div className="form-rows">
        <Field label="Chroma version" hint="1.3.4 for the chromadb Python package or Docker image; js-1.3.4 for the JS bindings.">
          {(id) => <input id={id} className="input" value={version} onChange={(e) => setVersion(e.target.value)} disabled={running} data-testid="migrate-version" />}
        </Field>
        <SuggestedPathField label="New folder" path={target} testId="migrate-target" placeholder="/path/to/new-folder" disabled={running} />
      </div>
      <div className="card-actions">
        <button type="button" className="btn btn-primary" onClick={run} disabled={!ready} data-testid="migrate-run">
          Preview
        </button>
      </div>
      {runner.state.status === 'loading' && <TaskProgress progress={runner.state.progress} unit="steps" onCancel={runner.cancel} prefix="migrate" label="Copying the folder…" />}
      {runner.state.status === 'error' && <CardError error={runner.state.error} testId="migrate-error" />}
      {runner.state.status === 'success' && <MigrateResult p={runner.state.value} onOpen={(folder) => void ws.openFolder(folder)} />}
    </Section>
  );
}

function MigrateResult({ p, onOpen }: { p: MigrationPreview; onOpen(folder: string): void }) {
  const s = p.schema;
  const schemaLines = [
    ...s.tablesAdded.map((t) => `table ${t} added`),
    ...s.tablesRemoved.map((t) => `table ${t} removed`),
    ...s.tablesChanged.map((t) =>
      [`table ${t.table}:`, ...t.columnsAdded.map((c) => `+${c}`), ...t.columnsRemoved.map((c) => `−${c}`), ...t.columnsChanged.map((c) => `${c.column} ${c.before} → ${c.after}`)].join(' '),
    ),
    ...s.indexesAdded.map((i) => `index ${i} added`),
    ...s.indexesRemoved.map((i) => `index ${i} removed`),
  ];
  const refusing = p.compatibility.filter((c) => c.verdict === 'refuses');
  return (
    <div className="card-result" data-testid="migrate-result">
      <div className="result-title">
        <span className="result-ok" aria-hidden="true">✓</span> {p.target.name} ({p.target.release}): {p.eraBefore} → {p.eraAfter}
        <span className="spacer" />
        <button type="button" className="btn btn-sm btn-primary" onClick={() => onOpen(p.folder)} data-testid="migrate-open">
          Open migrated copy
        </button>
      </div>
      <PathLine label="Folder" path={p.folder} testId="migrate-result-folder" />
      <Stats
        items={[
          { label: 'Migrations applied', value: formatCount(p.migrationsApplied.length), testId: 'migrate-count' },
          { label: 'Tables with rows changed', value: formatCount(p.data.length) },
          { label: 'Records', value: p.collections.map((c) => `${c.countBefore ?? '?'} → ${c.countAfter ?? '?'}`).join(', ') || '—' },
        ]}
      />
      <ul className="plain-list mono" data-testid="migrate-migrations">
        {p.migrationsApplied.map((m) => (
          <li key={`${m.dir}/${m.filename}`}>
            {m.dir}/{m.filename}
          </li>
        ))}
      </ul>
      {schemaLines.length > 0 && (
        <ul className="plain-list" data-testid="migrate-schema">
          {schemaLines.map((l) => (
            <li key={l}>{l}</li>
          ))}
        </ul>
      )}
      <ul className="plain-list" data-testid="migrate-data">
        {p.data.map((d) => (
          <li key={d.table}>
            <b>{d.table}</b>: {d.rowsBefore ?? '—'} → {d.rowsAfter ?? '—'} rows{d.rowsChanged > 0 ? `, ${d.rowsChanged} rewritten` : ''}
            {d.storageTypes.map((t) => ` · ${t.column}: ${Object.keys(t.before).join('/')} → ${Object.keys(t.after).join('/')}`).join('')}
          </li>
        ))}
      </ul>
      <p data-testid="migrate-opens-as-is">
        Opens the original without migrating: <b>{p.canOpenWithoutMigrating.join(', ') || 'no known release'}</b>
        {refusing.length > 0 && <> · refused by {refusing.map((c) => c.release).join(', ')}</>}
      </p>
      <div className="muted">Also written at start, and what happens later at each collection's first use:</div>
      <ul className="plain-list" data-testid="migrate-notes">
        {[...p.atStart, ...p.notes].map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
      {p.realChroma && <p className="muted" data-testid="migrate-real-chroma">Real Chroma: {p.realChroma.note}{p.realChroma.differences.length > 0 ? ` — ${p.realChroma.differences.join('; ')}` : ''}</p>}
      <Warnings warnings={p.warnings} testId="migrate-warnings" />
    </div>
  );
}
