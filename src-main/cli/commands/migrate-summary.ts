import type { MigrationPreview, ReleaseCompatibility } from '../../../shared/models.js';

const types = (t: Record<string, number>) =>
  Object.entries(t)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');

function compatibilityLines(c: readonly ReleaseCompatibility[]): string[] {
  const of = (v: ReleaseCompatibility['verdict']) => c.filter((x) => x.verdict === v);
  const lines = [`Opens the original without migrating: ${of('opens').map((x) => x.release).join(', ') || 'no known release'}`];
  const migrates = of('migrates');
  if (migrates.length) lines.push(`Migrates it first: ${migrates.map((x) => `${x.release} (${x.migrations.length})`).join(', ')}`);
  for (const x of of('refuses')) lines.push(`Refuses it: ${x.release}: ${x.reason}`);
  const older = of('newer-folder');
  if (older.length) lines.push(`Older than it (would start on it without a word; unsupported): ${older.map((x) => x.release).join(', ')}`);
  return lines;
}

/** The preview as a person reads it; `--json` prints the whole object instead. */
export function formatMigrationPreview(p: MigrationPreview): string {
  const out: string[] = [];
  out.push(`Migration preview: what ${p.target.name} (${p.target.release}) does to ${p.source}`);
  out.push(`  written to ${p.folder} (era ${p.eraBefore} → ${p.eraAfter}); the original folder was only read`);
  out.push(`Migrations applied (${p.migrationsApplied.length}):`);
  for (const m of p.migrationsApplied) out.push(`  ${m.dir}/${m.filename}`);
  if (p.migrationsApplied.length === 0) out.push('  none: this release opens the folder as it is');
  for (const e of p.atStart) out.push(`  also at start: ${e}`);

  const s = p.schema;
  out.push('Schema:');
  if (s.tablesAdded.length) out.push(`  tables added: ${s.tablesAdded.join(', ')}`);
  if (s.tablesRemoved.length) out.push(`  tables removed: ${s.tablesRemoved.join(', ')}`);
  for (const t of s.tablesChanged) {
    const parts = [
      ...(t.columnsAdded.length ? [`columns added ${t.columnsAdded.join(', ')}`] : []),
      ...(t.columnsRemoved.length ? [`columns removed ${t.columnsRemoved.join(', ')}`] : []),
      ...t.columnsChanged.map((c) => `${c.column} ${c.before} → ${c.after}`),
    ];
    out.push(`  table ${t.table}: ${parts.join('; ') || 'definition rewritten'}`);
  }
  if (s.indexesAdded.length) out.push(`  indexes added: ${s.indexesAdded.join(', ')}`);
  if (s.indexesRemoved.length) out.push(`  indexes removed: ${s.indexesRemoved.join(', ')}`);
  if (s.indexesChanged.length) out.push(`  indexes changed: ${s.indexesChanged.join(', ')}`);
  for (const [what, list] of [['added', s.othersAdded], ['removed', s.othersRemoved], ['changed', s.othersChanged]] as const) {
    if (list.length) out.push(`  ${what}: ${list.join(', ')}`);
  }

  out.push('Data:');
  for (const d of p.data) {
    const rows =
      d.rowsBefore === null ? `new table, ${d.rowsAfter} row(s)` : d.rowsAfter === null ? `dropped with ${d.rowsBefore} row(s)` : `${d.rowsBefore} → ${d.rowsAfter} rows`;
    const parts = [rows];
    if (d.rowsChanged > 0) parts.push(`${d.rowsChanged} rewritten`);
    for (const f of d.filledColumns) parts.push(`${f.column} filled in ${f.rows}`);
    for (const t of d.storageTypes) parts.push(`${t.column}: ${types(t.before)} → ${types(t.after)}`);
    out.push(`  ${d.table}: ${parts.join('; ')}`);
  }
  if (p.data.length === 0) out.push('  no rows changed');

  out.push('Collections (records our engine counts before → after):');
  for (const c of p.collections) out.push(`  ${c.tenant}/${c.database}/${c.name}: ${c.countBefore ?? '?'} → ${c.countAfter ?? '?'}`);
  out.push(...compatibilityLines(p.compatibility));
  out.push(`Opens the migrated copy without migrating: ${p.afterwardsOpenWithoutMigrating.join(', ')}`);
  if (p.notes.length) {
    out.push('Later, at the first use of each collection:');
    for (const n of p.notes) out.push(`  - ${n}`);
  }
  return `${out.join('\n')}\n`;
}
