import type { FixReport } from '../../../shared/models.js';
import { realChromaLine } from './chroma-option.js';

/** How many differences per collection the summary prints (the JSON report on stdout has them all). */
const MAX_DIFFERENCES = 5;

/** The human summary of a repair, for stderr: what each fix did, then what the verification found. */
export function formatFixSummary(report: FixReport): string {
  const lines: string[] = [];
  lines.push(report.source === report.target ? `repaired ${report.target} in place` : `repaired ${report.source} into ${report.target}`);
  if (report.backup) lines.push(`backup of the original (verified): ${report.backup}`);
  for (const fix of report.fixes) {
    if (!fix.changed) {
      lines.push(`  ${fix.kind}: nothing done (${fix.skipped.join('; ') || 'nothing to repair'})`);
      continue;
    }
    lines.push(`  ${fix.kind}:`);
    for (const a of fix.actions) lines.push(`    - ${a}`);
    for (const s of fix.skipped) lines.push(`    - skipped: ${s}`);
  }
  lines.push('verified against the original with the read engine:');
  for (const c of report.verification) {
    const missing = c.vectorsMissing > 0 ? `; ${c.vectorsMissing} without a vector (e.g. ${c.vectorsMissingSample.map((s) => JSON.stringify(s)).join(', ')})` : '';
    lines.push(`  ${c.tenant}/${c.database}/${c.name}: ${c.countAfter} records (${c.countBefore} before), ${c.sampled} compared, ${c.queries} queries${missing}`);
    for (const d of c.differences.slice(0, MAX_DIFFERENCES)) lines.push(`    - ${d}`);
    if (c.differences.length > MAX_DIFFERENCES) lines.push(`    - … ${c.differences.length - MAX_DIFFERENCES} more in the JSON report`);
  }
  return `${lines.join('\n')}\n${realChromaLine(report.realChroma)}`;
}
