import type { CollectionDiff } from '../../../shared/models.js';
import { Badge } from '../../components/badge.js';

const SHOWN = 50;

function IdList({ title, ids, total, testId }: { title: string; ids: string[]; total: number; testId: string }) {
  if (total === 0) return null;
  return (
    <div className="diff-list" data-testid={testId}>
      <div className="diff-list-title">
        {title} <span className="muted">({total})</span>
      </div>
      <div className="mono diff-ids">
        {ids.slice(0, SHOWN).join(', ')}
        {total > Math.min(SHOWN, ids.length) && ' …'}
      </div>
    </div>
  );
}

/** One collection's changes from a to b: settings, ids, documents, metadata and embedding drift. */
export function CollectionDiffCard({ diff }: { diff: CollectionDiff }) {
  const n = diff.counts;
  const changed = n.added + n.removed + n.documents + n.metadata + n.embeddings + diff.settings.length > 0;
  return (
    <section className="diff-card" data-testid="diff-collection" data-collection={diff.name}>
      <header className="diff-card-head">
        <strong>
          {diff.tenant}/{diff.database}/{diff.name}
        </strong>
        <span className="muted">
          {n.a} → {n.b} records
        </span>
        {!changed && <Badge tone="ok">no changes</Badge>}
        {n.added > 0 && <Badge tone="ok">+{n.added} added</Badge>}
        {n.removed > 0 && <Badge tone="error">−{n.removed} removed</Badge>}
        {n.documents > 0 && <Badge tone="warn">{n.documents} documents</Badge>}
        {n.metadata > 0 && <Badge tone="warn">{n.metadata} metadata</Badge>}
        {n.embeddings > 0 && <Badge tone="warn">{n.embeddings} embeddings</Badge>}
      </header>
      {diff.settings.length > 0 && (
        <table className="table table-compact" data-testid="diff-settings">
          <tbody>
            {diff.settings.map((s) => (
              <tr key={s.setting}>
                <td>{s.setting}</td>
                <td className="mono">{s.a}</td>
                <td>→</td>
                <td className="mono">{s.b}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <IdList title="Added" ids={diff.added} total={n.added} testId="diff-added" />
      <IdList title="Removed" ids={diff.removed} total={n.removed} testId="diff-removed" />
      {diff.documents.length > 0 && (
        <table className="table table-compact" data-testid="diff-documents">
          <thead>
            <tr>
              <th>id</th>
              <th>document in a</th>
              <th>document in b</th>
            </tr>
          </thead>
          <tbody>
            {diff.documents.slice(0, SHOWN).map((d) => (
              <tr key={d.id}>
                <td className="mono">{d.id}</td>
                <td>{d.a ?? <em>none</em>}</td>
                <td>{d.b ?? <em>none</em>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <IdList title="Metadata changed (keys)" ids={diff.metadata.map((m) => `${m.id} (${m.keys.join(', ')})`)} total={n.metadata} testId="diff-metadata" />
      {diff.embeddings.length > 0 && (
        <div className="diff-list" data-testid="diff-embeddings">
          <div className="diff-list-title">
            Embeddings changed <span className="muted">({n.embeddings}{diff.drift ? `; cosine drift mean ${diff.drift.mean.toPrecision(3)}, max ${diff.drift.max.toPrecision(3)}` : ''})</span>
          </div>
          <div className="mono diff-ids">
            {diff.embeddings
              .slice(0, SHOWN)
              .map((e) => `${e.id} ${e.cosineDistance === null ? `(dimension ${e.dimensions[0] ?? '—'} → ${e.dimensions[1] ?? '—'})` : e.cosineDistance.toPrecision(3)}`)
              .join(', ')}
          </div>
        </div>
      )}
    </section>
  );
}
