import type { CollectionDiff, DiffReport } from '../../shared/models.js';

const SHOWN = 10;
const list = (ids: string[], total: number) => `${ids.slice(0, SHOWN).join(', ')}${total > SHOWN ? `, … (${total} in all; --json lists up to --limit)` : ''}`;
const name = (c: { tenant: string; database: string; name: string }) => `${c.tenant}/${c.database}/${c.name}`;

function collectionLines(c: CollectionDiff): string[] {
  const n = c.counts;
  const changed = n.added + n.removed + n.documents + n.metadata + n.embeddings + c.settings.length > 0;
  const lines = [`${name(c)}: ${n.a} → ${n.b} records${changed ? '' : ', no changes'}`];
  for (const s of c.settings) lines.push(`  ${s.setting}: ${s.a} → ${s.b}`);
  if (n.added) lines.push(`  + ${n.added} added: ${list(c.added, n.added)}`);
  if (n.removed) lines.push(`  - ${n.removed} removed: ${list(c.removed, n.removed)}`);
  if (n.documents) lines.push(`  ~ ${n.documents} document(s) changed: ${list(c.documents.map((d) => d.id), n.documents)}`);
  if (n.metadata) lines.push(`  ~ ${n.metadata} metadata changed: ${list(c.metadata.map((m) => `${m.id} (${m.keys.join(', ')})`), n.metadata)}`);
  if (n.embeddings) {
    const drift = c.drift ? ` (cosine drift mean ${c.drift.mean.toPrecision(3)}, max ${c.drift.max.toPrecision(3)})` : '';
    lines.push(`  ~ ${n.embeddings} embedding(s) changed${drift}: ${list(c.embeddings.map((e) => `${e.id}${e.cosineDistance === null ? '' : ` ${e.cosineDistance.toPrecision(3)}`}`), n.embeddings)}`);
  }
  return lines;
}

/** The diff as the terminal shows it: collections added and removed, then each compared one. */
export function formatDiff(r: DiffReport): string {
  const lines = [`a: ${r.a}`, `b: ${r.b}`];
  for (const c of r.added) lines.push(`+ collection ${name(c)} (only in b)`);
  for (const c of r.removed) lines.push(`- collection ${name(c)} (only in a)`);
  for (const c of r.collections) lines.push(...collectionLines(c));
  return `${lines.join('\n')}\n`;
}
