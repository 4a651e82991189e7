import { CopyButton } from '../copy-button.js';
import { fmtComponent } from './format.js';
import { vectorStats } from './vector-stats.js';

/** A full vector: dimension, norm, min/max, a sparkline of its components and the values. */
export function VectorBlock({ vector, testId }: { vector: number[] | null | undefined; testId?: string }) {
  if (!vector)
    return (
      <div className="muted" data-testid={testId} data-dimension={0}>
        No embedding
      </div>
    );
  const s = vectorStats(vector);
  const w = 280;
  const h = 40;
  const span = s.max - s.min || 1;
  const step = vector.length > 1 ? w / (vector.length - 1) : w;
  const points = vector.map((x, i) => `${(i * step).toFixed(1)},${(h - ((x - s.min) / span) * h).toFixed(1)}`).join(' ');
  return (
    <div className="vector-block" data-testid={testId} data-dimension={vector.length}>
      <div className="vector-meta">
        <span>
          <b>{vector.length}</b> dims
        </span>
        <span>‖v‖ {fmtComponent(s.norm)}</span>
        <span>
          min {fmtComponent(s.min)} · max {fmtComponent(s.max)}
        </span>
        <CopyButton text={JSON.stringify(vector)} label="Copy JSON" />
      </div>
      <svg className="sparkline" viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" aria-hidden="true">
        <polyline points={points} />
      </svg>
      <pre className="vector-values">{vector.map((x) => fmtComponent(x)).join(', ')}</pre>
    </div>
  );
}
