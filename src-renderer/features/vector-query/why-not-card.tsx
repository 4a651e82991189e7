import type { WhyNotAnswer, WhyNotCause } from '../../../shared/models.js';
import { Badge, type Tone } from '../../components/badge.js';

const CAUSE: Record<WhyNotCause, { label: string; tone: Tone }> = {
  returned: { label: 'in the results', tone: 'ok' },
  'not-found': { label: 'no such record', tone: 'error' },
  'excluded-by-ids': { label: 'not in ids', tone: 'warn' },
  'excluded-by-where': { label: 'filtered out by where', tone: 'warn' },
  'excluded-by-where-document': { label: 'filtered out by whereDocument', tone: 'warn' },
  'no-vector': { label: 'no usable vector', tone: 'error' },
  'ranked-below-k': { label: 'ranked below k', tone: 'info' },
  'missed-by-index': { label: 'missed by the HNSW index', tone: 'error' },
};

/** The why-not answer: its cause, the sentence, and the evidence (failing leaves or ranks). */
export function WhyNotCard({ answer }: { answer: WhyNotAnswer }) {
  const cause = CAUSE[answer.cause];
  return (
    <div className="why-not-card" data-testid="why-not-answer" data-cause={answer.cause}>
      <div className="why-not-head">
        <Badge tone={cause.tone} testId="why-not-cause">
          {cause.label}
        </Badge>
        <span data-testid="why-not-summary">{answer.summary}</span>
      </div>
      {answer.misses && answer.misses.length > 0 && (
        <table className="table table-compact" data-testid="why-not-misses">
          <thead>
            <tr>
              <th>where in the filter</th>
              <th>condition</th>
              <th>this record</th>
              <th>why it fails</th>
            </tr>
          </thead>
          <tbody>
            {answer.misses.map((m) => (
              <tr key={m.path}>
                <td>
                  <code>{m.path}</code>
                </td>
                <td>
                  <code>{m.leaf}</code>
                </td>
                <td>{m.recordValue === null ? <em>none</em> : <code>{m.recordValue}</code>}</td>
                <td>{m.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {answer.exactRank !== undefined && (
        <dl className="why-not-ranks" data-testid="why-not-ranks">
          <dt>exact rank</dt>
          <dd>
            {answer.exactRank} of {answer.candidates}
          </dd>
          <dt>its distance</dt>
          <dd>{answer.distance}</dd>
          <dt>k-th distance (exact / the query&apos;s)</dt>
          <dd>
            {answer.exactKthDistance ?? '—'} / {answer.resultKthDistance ?? '—'}
          </dd>
          <dt>k, ef</dt>
          <dd>
            {answer.k}, {answer.efSearch}
          </dd>
        </dl>
      )}
    </div>
  );
}
