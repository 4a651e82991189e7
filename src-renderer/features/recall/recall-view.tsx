import { useState } from 'react';
import type { RecallReport } from '../../../shared/models.js';
import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { useRunner } from '../../client/use-async.js';
import { Badge } from '../../components/badge.js';
import { CallProgress } from '../../components/call-progress.js';
import { EmptyState } from '../../components/empty-state.js';
import { ErrorState } from '../../components/error-state.js';
import { RecallPlot } from './recall-plot.js';

const pct = (r: number) => `${(100 * r).toFixed(1)}%`;

/**
 * The recall lab (docs/recall-lab.md): how much of what exact search finds the collection's HNSW
 * graph finds, across ef, with flags on the vectors and advice. Run on request: it reads every
 * vector and runs a few thousand searches.
 */
export function RecallView() {
  const client = useClient();
  const ws = useOpenFolder();
  const collectionId = ws.collection?.id ?? '';
  const [k, setK] = useState(10);
  const [queries, setQueries] = useState(200);
  const runner = useRunner<RecallReport>();
  const run = () => void runner.run((signal, onProgress) => client.call('recall', { handle: ws.handle, collectionId, k, queries }, { signal, onProgress }));
  const r = runner.state.status === 'success' ? runner.state.value : null;
  return (
    <div className="page recall-view" data-testid="recall-view">
      <header className="page-head">
        <div>
          <h2 className="page-title">Recall lab</h2>
          <div className="page-sub">Chroma&apos;s HNSW answers against exact search, for a sample of this collection&apos;s own vectors.</div>
        </div>
        <div className="page-badges">
          <label className="field-inline">
            k
            <input className="input input-sm num-input" type="number" min={1} max={1000} value={k} onChange={(e) => setK(Math.max(1, Number(e.target.value) || 1))} data-testid="recall-k" />
          </label>
          <label className="field-inline">
            queries
            <input className="input input-sm num-input" type="number" min={1} max={10000} value={queries} onChange={(e) => setQueries(Math.max(1, Number(e.target.value) || 1))} data-testid="recall-queries" />
          </label>
          <button type="button" className="btn btn-primary btn-sm" onClick={run} disabled={runner.state.status === 'loading'} data-testid="recall-run">
            Measure recall
          </button>
        </div>
      </header>
      {runner.state.status === 'idle' && <EmptyState title="Measure how often the index finds the true neighbours">It samples records, queries with their own vectors, and compares with brute force at several ef.</EmptyState>}
      {runner.state.status === 'loading' && <CallProgress progress={runner.state.progress} onCancel={runner.cancel} label="Measuring recall…" />}
      {runner.state.status === 'error' && <ErrorState error={runner.state.error} title="Recall lab failed" />}
      {r && (
        <div className="recall-body" data-testid="recall-report">
          <div className="recall-headline">
            <Badge tone={r.recall >= 0.98 ? 'ok' : r.recall >= 0.9 ? 'warn' : 'error'} testId="recall-value">
              recall@{r.k} {pct(r.recall)}
            </Badge>
            <span>
              at ef_search {r.params.efSearch} · {r.queries} queries of {r.records} records · {r.space} · M {r.params.maxNeighbors}, construction_ef {r.params.efConstruction}
              {r.contrast !== null && <span title="Median of (mean distance to records at random) ÷ (distance to the nearest record): near 1, the data has little neighbourhood structure"> · distance contrast {r.contrast.toFixed(2)}</span>}
            </span>
          </div>
          <div className="recall-columns">
            <RecallPlot curve={r.curve} collectionEf={r.params.efSearch} k={r.k} />
            <table className="table table-compact" data-testid="recall-table">
              <thead>
                <tr>
                  <th>ef</th>
                  <th>recall</th>
                  <th>worst query</th>
                  <th>ms / query</th>
                </tr>
              </thead>
              <tbody>
                {r.curve.map((p) => (
                  <tr key={p.ef} className={p.ef === r.params.efSearch ? 'current' : undefined}>
                    <td>{p.ef}</td>
                    <td>{pct(p.recall)}</td>
                    <td>{pct(p.minRecall)}</td>
                    <td>{p.meanQueryMs.toFixed(3)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {r.advice.length > 0 && (
            <section data-testid="recall-advice">
              <h3 className="section-title">Advice</h3>
              <ul>
                {r.advice.map((a) => (
                  <li key={a}>{a}</li>
                ))}
              </ul>
            </section>
          )}
          <section data-testid="recall-flags">
            <h3 className="section-title">Vectors</h3>
            {r.flags.length === 0 ? (
              <p className="muted">No duplicates, zero or non-finite vectors, outliers or mixed dimensions.</p>
            ) : (
              <ul>
                {r.flags.map((f) => (
                  <li key={f.kind} data-testid={`recall-flag-${f.kind}`}>
                    <Badge tone={f.kind === 'non-finite' || f.kind === 'mixed-dimensions' ? 'error' : 'warn'}>{f.kind}</Badge> {f.detail}
                    <div className="muted mono">e.g. {f.ids.join(', ')}</div>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      )}
    </div>
  );
}
