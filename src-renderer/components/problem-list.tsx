import type { Problem } from '../../shared/models.js';
import { Badge, severityTone } from './badge.js';

const ORDER = { error: 0, warning: 1, info: 2 } as const;

/** Health findings, worst first, each with its severity badge and stable code. */
export function ProblemList({ problems, empty = 'No problems found' }: { problems: Problem[]; empty?: string }) {
  if (problems.length === 0) {
    return (
      <div className="problems-ok" data-testid="problems-empty">
        <Badge tone="ok">OK</Badge> {empty}
      </div>
    );
  }
  const sorted = [...problems].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  return (
    <ul className="problems" data-testid="problems">
      {sorted.map((p, i) => (
        <li key={`${p.code}-${i}`} className={`problem problem-${p.severity}`} data-testid="problem-item" data-severity={p.severity} data-code={p.code}>
          <Badge tone={severityTone(p.severity)}>{p.severity}</Badge>
          <code className="problem-code">{p.code}</code>
          <span className="problem-message">{p.message}</span>
          {(p.file || p.segmentId || p.collectionId) && (
            <span className="problem-where muted">{p.file ?? p.segmentId ?? p.collectionId}</span>
          )}
        </li>
      ))}
    </ul>
  );
}
