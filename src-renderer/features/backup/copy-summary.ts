import type { CollectionCopyReport, CopyReport, VerificationResult } from '../../../shared/models.js';

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

export interface CopyTotals {
  collections: number;
  sourceRecords: number;
  copied: number;
  /** Already in the target (a resumed copy): left as they were. */
  skipped: number;
  targetRecords: number;
  verified: number;
  notVerified: number;
}

export function copyTotals(r: CopyReport): CopyTotals {
  const sum = (f: (c: CollectionCopyReport) => number) => r.collections.reduce((n, c) => n + f(c), 0);
  const verified = r.collections.filter((c) => c.verification.ok).length;
  return {
    collections: r.collections.length,
    sourceRecords: sum((c) => c.sourceCount),
    copied: sum((c) => c.copied),
    skipped: sum((c) => c.skipped),
    targetRecords: sum((c) => c.targetCount),
    verified,
    notVerified: r.collections.length - verified,
  };
}

/** One line on top of the report; "NOT verified" in capitals, as the CLI says it. */
export function copyHeadline(r: CopyReport): string {
  const t = copyTotals(r);
  if (t.collections === 0) return `Nothing to copy: no collection in ${r.scopes.source.tenant}/${r.scopes.source.database}`;
  const already = t.skipped > 0 ? `, ${plural(t.skipped, 'record')} already there` : '';
  if (r.ok) return `Copied and verified: ${plural(t.collections, 'collection')}, ${plural(t.copied, 'record')} written${already}`;
  return `Copied, but NOT verified: ${t.notVerified} of ${plural(t.collections, 'collection')} differ${t.notVerified === 1 ? 's' : ''}`;
}

/** Recall as two decimals; a dash when no query was run (an empty collection, no vectors). */
export const formatRecall = (recall: number | null) => (recall === null ? '—' : recall.toFixed(2));

/** What the check compared: `20 records compared · 5 queries · recall 1.00`. */
export function verificationText(v: VerificationResult): string {
  const parts = [`${plural(v.sampled, 'record')} compared`, v.queries === 0 ? 'no queries' : plural(v.queries, 'query', 'queries')];
  if (v.recall !== null) parts.push(`recall ${formatRecall(v.recall)}`);
  return parts.join(' · ');
}

/**
 * What did not match in one collection, at most `max` lines (the rest counted): the counts when
 * they differ, then the sampled records, then the queries.
 */
export function differencesOf(c: CollectionCopyReport, max = 10): { lines: string[]; more: number } {
  const v = c.verification;
  const all = [...(v.sourceCount !== v.targetCount ? [`the source holds ${v.sourceCount} records, the target ${v.targetCount}`] : []), ...v.sampleDifferences, ...v.queryDifferences];
  return { lines: all.slice(0, max), more: Math.max(0, all.length - max) };
}

/** `default_tenant/default_database`, or `a/b → c/d` when the target's scope differs. */
export function scopeText(r: CopyReport): string {
  const s = `${r.scopes.source.tenant}/${r.scopes.source.database}`;
  const t = `${r.scopes.target.tenant}/${r.scopes.target.database}`;
  return s === t ? s : `${s} → ${t}`;
}
