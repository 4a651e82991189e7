import type { RecallReport } from '../../shared/models.js';

const pct = (r: number) => `${(100 * r).toFixed(1)}%`;

/** The recall lab's report as the terminal shows it: the curve as a table, flags, advice. */
export function formatRecall(r: RecallReport): string {
  const lines = [
    `${r.collection}: recall@${r.k} ${pct(r.recall)} at ef_search ${r.params.efSearch} (${r.queries} queries of ${r.records} records, ${r.space}; M ${r.params.maxNeighbors}, construction_ef ${r.params.efConstruction})`,
    ...(r.contrast !== null ? [`distance contrast (random ÷ nearest): ${r.contrast.toFixed(2)}`] : []),
    '',
    '     ef   recall   worst   ms/query',
    ...r.curve.map((p) => `${String(p.ef).padStart(7)}  ${pct(p.recall).padStart(7)}  ${pct(p.minRecall).padStart(6)}  ${p.meanQueryMs.toFixed(3).padStart(9)}${p.ef === r.params.efSearch ? '  ← the collection\'s' : ''}`),
  ];
  if (r.flags.length > 0) lines.push('', 'flags:', ...r.flags.map((f) => `  ${f.kind} (${f.count}): ${f.detail}\n    e.g. ${f.ids.join(', ')}`));
  if (r.advice.length > 0) lines.push('', 'advice:', ...r.advice.map((a) => `  - ${a}`));
  return `${lines.join('\n')}\n`;
}
