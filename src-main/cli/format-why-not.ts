import type { WhyNotAnswer } from '../../shared/models.js';

/** The why-not answer as the terminal shows it: the sentence, then the evidence. */
export function formatWhyNot(a: WhyNotAnswer): string {
  const lines = [`${a.cause}: ${a.summary}`];
  for (const m of a.misses ?? []) {
    lines.push(`  ${m.path}  ${m.leaf}`, `    record: ${m.recordValue ?? '(none)'}`, `    ${m.reason}`);
  }
  if (a.exactRank !== undefined) {
    lines.push(
      `  exact rank ${a.exactRank} of ${a.candidates}, distance ${a.distance}`,
      `  k = ${a.k}; k-th distance: exact ${a.exactKthDistance ?? '—'}, the query's ${a.resultKthDistance ?? '—'}; ef = ${a.efSearch}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
