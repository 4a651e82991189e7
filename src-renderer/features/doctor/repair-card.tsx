import { useState } from 'react';
import { FIX_KINDS, type DoctorReport, type FixKind, type FixReport } from '../../../shared/models.js';
import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { useRunner } from '../../client/use-async.js';
import { Section } from '../../components/section.js';
import { formatCount } from '../../components/value/format.js';
import { CardError } from '../backup/card-error.js';
import { besideFolder, dateStamp } from '../backup/default-paths.js';
import { Field, PathInput, ResetLink } from '../backup/form-field.js';
import { PathLine } from '../backup/outcome-parts.js';
import { TaskProgress } from '../backup/task-progress.js';
import { useSuggested } from '../backup/use-suggested.js';

const LABELS: Record<FixKind, string> = {
  'purge-wal': 'Purge the applied WAL and VACUUM (every tenant)',
  orphans: 'Remove what deleted collections left behind',
  'fts-rebuild': 'Rebuild the full-text index from the documents',
  'hnsw-rebuild': 'Rebuild damaged HNSW indexes from the WAL and salvaged vectors',
};

/**
 * Repairs on a copy: the fixes the findings name are preselected; the result is a new folder,
 * verified against the original (counts, samples, queries) before it is published.
 */
export function RepairCard({ report }: { report: DoctorReport }) {
  const client = useClient();
  const ws = useOpenFolder();
  const suggested = new Set(report.findings.map((f) => f.fix).filter((k): k is FixKind => k !== null));
  const [kinds, setKinds] = useState<Set<FixKind>>(() => suggested);
  const target = useSuggested(besideFolder(ws.info.path, `-repaired-${dateStamp()}`));
  const runner = useRunner<FixReport>();
  const running = runner.state.status === 'loading';
  const toggle = (k: FixKind) => setKinds((cur) => {
    const next = new Set(cur);
    if (next.has(k)) next.delete(k);
    else next.add(k);
    return next;
  });
  const run = () => {
    const path = target.value.trim();
    if (!path || kinds.size === 0 || running) return;
    void runner.run((signal, onProgress) => client.call('fix', { handle: ws.handle, target: path, only: FIX_KINDS.filter((k) => kinds.has(k)) }, { signal, onProgress }));
  };
  return (
    <Section title="Repair on a copy" testId="doctor-repair" aside={<span className="muted">the open folder is only read</span>}>
      <div className="form-rows">
        <Field label="New folder" hint={target.edited ? <ResetLink onClick={target.reset} /> : 'Must not exist yet (or be empty).'}>
          {(id) => <PathInput id={id} value={target.value} onChange={target.set} testId="doctor-repair-target" disabled={running} />}
        </Field>
        <Field label="Fixes">
          {() => (
            <div className="doctor-fix-kinds">
              {FIX_KINDS.map((k) => (
                <label key={k} className="check">
                  <input type="checkbox" checked={kinds.has(k)} onChange={() => toggle(k)} disabled={running} data-testid={`doctor-fix-${k}`} />
                  {LABELS[k]}
                  {suggested.has(k) && <span className="muted"> (a finding asks for it)</span>}
                </label>
              ))}
            </div>
          )}
        </Field>
      </div>
      <div className="card-actions">
        <button type="button" className="btn btn-primary" onClick={run} disabled={running || kinds.size === 0 || !target.value.trim()} data-testid="doctor-repair-run">
          Repair into the new folder
        </button>
      </div>
      {running && <TaskProgress progress={runner.state.status === 'loading' ? runner.state.progress : null} unit="records" onCancel={runner.cancel} prefix="doctor-repair" label="Copying the folder…" />}
      {runner.state.status === 'error' && <CardError error={runner.state.error} testId="doctor-repair-error" />}
      {runner.state.status === 'success' && <RepairResult r={runner.state.value} />}
    </Section>
  );
}

function RepairResult({ r }: { r: FixReport }) {
  return (
    <div className="card-result" data-testid="doctor-repair-result">
      <div className="result-title">
        <span className="result-ok" aria-hidden="true">✓</span> Repaired and verified
      </div>
      <PathLine label="Folder" path={r.target} testId="doctor-repair-result-path" />
      {r.backup && <PathLine label="Backup taken first" path={r.backup} />}
      <ul className="doctor-fix-steps">
        {r.fixes.map((f) => (
          <li key={f.kind} data-testid="doctor-repair-step" data-kind={f.kind} data-changed={String(f.changed)}>
            <b>{f.kind}</b>: {f.changed ? f.actions.join('; ') : 'nothing to do'}
            {f.skipped.length > 0 && <span className="muted"> — left alone: {f.skipped.join('; ')}</span>}
          </li>
        ))}
      </ul>
      <table className="table table-compact">
        <thead>
          <tr>
            <th>Collection</th>
            <th className="num">Before</th>
            <th className="num">After</th>
            <th className="num">Sampled</th>
            <th className="num">Queries</th>
            <th>Differences</th>
          </tr>
        </thead>
        <tbody>
          {r.verification.map((c) => (
            <tr key={c.id}>
              <td className="mono">{c.name}</td>
              <td className="num">{formatCount(c.countBefore)}</td>
              <td className="num">{formatCount(c.countAfter)}</td>
              <td className="num">{formatCount(c.sampled)}</td>
              <td className="num">{formatCount(c.queries)}</td>
              <td className="muted">{c.differences.length === 0 ? 'none' : c.differences.join('; ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.realChroma && <p className="muted" data-testid="repair-real-chroma">Real Chroma: {r.realChroma.note}</p>}
      {r.warnings.map((w, i) => (
        <p key={i} className="muted">
          {w}
        </p>
      ))}
    </div>
  );
}
