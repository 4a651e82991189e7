import type { FolderInfo } from '../../shared/models.js';

const mb = (b: number) => (b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MiB` : `${(b / 1024).toFixed(1)} KiB`);

/** The human-readable form of `info`. */
export function formatInfo(info: FolderInfo): string {
  const lines: string[] = [];
  lines.push(`${info.path}`);
  lines.push(`  written by   ${info.era.chromaVersions} (schema ${info.era.label})${info.era.migrationsVerified ? '' : ' — migrations not verified'}`);
  lines.push(`  sqlite       journal ${info.journalMode}, page ${info.pageSize}, ${info.files.length} files, ${mb(info.totalBytes)}`);
  lines.push(`  WAL          ${info.walRows} rows${info.walSeqRange ? ` (seq ${info.walSeqRange[0]}–${info.walSeqRange[1]})` : ''}, purge ${info.automaticallyPurge ?? 'n/a'}`);
  lines.push(`  in use       ${info.activity.likelyInUse ? `probably: ${info.activity.reasons.join('; ')}` : 'no sign of a running Chroma'}`);
  for (const t of info.tenants) {
    lines.push(`  tenant ${t.name}`);
    for (const d of t.databases) {
      lines.push(`    database ${d.name}`);
      for (const c of d.collections) lines.push(`      ${c.name}  ${c.count} records, dim ${c.dimension ?? '—'}  (${c.id})`);
    }
  }
  if (info.problems.length) {
    lines.push('  problems');
    for (const p of info.problems) lines.push(`    ${p.severity.padEnd(7)} ${p.message}${p.file ? `  [${p.file}]` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
