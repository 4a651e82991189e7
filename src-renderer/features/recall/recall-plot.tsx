import type { RecallPoint } from '../../../shared/models.js';

const W = 520;
const H = 240;
const PAD = { left: 48, right: 16, top: 14, bottom: 36 };

/**
 * recall@k against ef, ef on a log scale: a handful of points, drawn as SVG (a chart library
 * would add nothing here). The collection's own ef_search is marked.
 */
export function RecallPlot({ curve, collectionEf, k }: { curve: RecallPoint[]; collectionEf: number; k: number }) {
  if (curve.length === 0) return null;
  const efs = curve.map((p) => p.ef);
  const [lo, hi] = [Math.log(Math.min(...efs)), Math.log(Math.max(...efs))];
  const x = (ef: number) => PAD.left + (hi === lo ? 0.5 : (Math.log(ef) - lo) / (hi - lo)) * (W - PAD.left - PAD.right);
  const minRecall = Math.min(...curve.map((p) => p.recall));
  const floor = Math.max(0, Math.floor(minRecall * 10) / 10 - 0.1);
  const y = (r: number) => PAD.top + (1 - (r - floor) / (1 - floor || 1)) * (H - PAD.top - PAD.bottom);
  const ticks = Array.from({ length: Math.round((1 - floor) * 10) + 1 }, (_, i) => floor + i / 10).filter((t) => t <= 1.0001);
  const line = curve.map((p) => `${x(p.ef).toFixed(1)},${y(p.recall).toFixed(1)}`).join(' ');
  return (
    <svg className="recall-plot" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`recall@${k} against ef`} data-testid="recall-plot">
      {ticks.map((t) => (
        <g key={t}>
          <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} className="grid-line" />
          <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end" className="axis-label">
            {Math.round(t * 100)}%
          </text>
        </g>
      ))}
      <line x1={x(collectionEf)} x2={x(collectionEf)} y1={PAD.top} y2={H - PAD.bottom} className="marker-line" />
      <polyline points={line} className="recall-line" fill="none" />
      {curve.map((p) => (
        <g key={p.ef}>
          <circle cx={x(p.ef)} cy={y(p.recall)} r={p.ef === collectionEf ? 5 : 3.5} className={p.ef === collectionEf ? 'point point-current' : 'point'}>
            <title>{`ef ${p.ef}: recall ${(100 * p.recall).toFixed(1)}% (worst query ${(100 * p.minRecall).toFixed(1)}%), ${p.meanQueryMs.toFixed(2)} ms/query`}</title>
          </circle>
          <text x={x(p.ef)} y={H - PAD.bottom + 16} textAnchor="middle" className="axis-label">
            {p.ef}
          </text>
        </g>
      ))}
      <text x={(PAD.left + W - PAD.right) / 2} y={H - 4} textAnchor="middle" className="axis-title">
        ef (search breadth, log scale) · line: the collection&apos;s ef_search
      </text>
    </svg>
  );
}
