import type { DoctorFinding, DoctorReport, DoctorSeverity } from '../../../shared/models.js';

const LABEL: Record<DoctorSeverity, string> = { error: 'ERROR', warning: 'WARNING', info: 'INFO' };

/** Text from the folder inside a code span: backticks and line breaks cannot break out of it. */
const code = (text: string): string => {
  const flat = text.replace(/\r?\n|\r/g, '⏎');
  const ticks = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length)) + 1;
  const fence = '`'.repeat(ticks);
  return `${fence}${flat.startsWith('`') || flat.endsWith('`') ? ` ${flat} ` : flat}${fence}`;
};

/** Table cells: pipes escaped, one line. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n|\r/g, ' ');

const bytes = (n: number | null | undefined): string => {
  if (n === null || n === undefined) return 'unknown';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
};

function scope(f: DoctorFinding): string {
  if (!f.collection) return 'folder';
  return `collection ${code(f.collection.name)} (${f.tenant ?? '?'}/${f.database ?? '?'})`;
}

function renderFinding(f: DoctorFinding): string[] {
  const e = f.evidence;
  const lines = [`### ${LABEL[f.severity]} \`${f.code}\` — ${f.title}`, '', `- **Where:** ${scope(f)}`];
  const numbers = Object.entries(e.numbers);
  if (numbers.length > 0) lines.push(`- **Evidence:** ${numbers.map(([k, v]) => `${k} = ${v}`).join(', ')}`);
  if (e.ids.length > 0) lines.push(`- **Records:** ${e.ids.map(code).join(', ')}`);
  if (e.files.length > 0) lines.push(`- **Files:** ${e.files.map(code).join(', ')}`);
  if (e.segments.length > 0) lines.push(`- **Segments:** ${e.segments.map(code).join(', ')}`);
  for (const s of e.samples) {
    const fields = Object.entries(s.fields).map(([k, v]) => `${k} ${v === null ? '(none)' : code(v)}`);
    lines.push(`- **Example${s.id === null ? '' : ` ${code(s.id)}`}:** ${fields.join('; ')}`);
  }
  for (const n of e.notes) lines.push(`- **Note:** ${code(n)}`);
  lines.push(`- **Chroma would:** ${f.chromaWould}`);
  lines.push(`- **Fix:** ${f.fix ? `\`${f.fix}\` — ` : ''}${f.remedy}`);
  lines.push('');
  return lines;
}

/** The doctor report as Markdown: summary, findings (errors first), collections, storage. */
export function renderDoctorMarkdown(r: DoctorReport): string {
  const out: string[] = [];
  out.push(`# Chroma folder doctor${r.folder ? `: ${code(r.folder)}` : ''}`, '');
  out.push(
    `- **Era:** ${r.era.label} (Chroma ${r.era.chromaVersions})${r.era.migrationsVerified ? '' : ', migrations not verified'}`,
    `- **SQLite:** ${r.sqlite.version}, journal mode ${r.sqlite.journalMode}, ${r.sqlite.pages} pages of ${r.sqlite.pageSize} B (${r.sqlite.freelistPages} free), ${bytes(r.sqlite.bytes)}`,
    `- **Disk:** ${bytes(r.disk.freeBytes)} free; VACUUM may need ${bytes(r.disk.vacuumNeedsBytes)}`,
    `- **Contents:** ${r.tenants} tenant(s), ${r.databases} database(s), ${r.collections.length} collection(s)`,
    `- **Findings:** ${r.summary.errors} error(s), ${r.summary.warnings} warning(s), ${r.summary.infos} info`,
    `- **Report:** ${r.tool}, ${r.createdAt}, ${r.elapsedMs} ms${r.private ? ', private (no ids, documents or paths)' : ''}`,
    '',
  );
  out.push('## Findings', '');
  if (r.findings.length === 0) out.push('Nothing found.', '');
  for (const f of r.findings) out.push(...renderFinding(f));

  out.push('## Collections', '');
  if (r.collections.length === 0) out.push('No collections.', '');
  else {
    out.push(
      '| tenant/database | collection | records | documents | dim | space | WAL rows | not in HNSW | not applied | purgeable | HNSW live / deleted / pickle | full-text missing / wrong | findings (E/W/I) |',
      '|---|---|---:|---:|---:|---|---:|---:|---:|---:|---|---|---|',
    );
    for (const c of r.collections) {
      const h = c.hnsw;
      const hn = h.checkpointUsable ? `${h.liveElements ?? '?'} / ${h.deletedElements ?? '?'} / ${h.pickleIds ?? '?'}` : h.folderExists ? 'no usable checkpoint' : 'no folder';
      const fts = c.fts ? `${c.fts.missing} / ${c.fts.wrong}` : '—';
      out.push(
        `| ${cell(`${c.tenant}/${c.database}`)} | ${cell(c.name)} | ${c.records} | ${c.documents} | ${c.dimension ?? '—'} | ${c.space} | ${c.wal.rows} | ${c.wal.vectorLag} | ${c.wal.metadataLag} | ${c.wal.purgeable} | ${hn} | ${fts} | ${c.findings.errors}/${c.findings.warnings}/${c.findings.infos} |`,
      );
    }
    out.push('');
  }

  const s = r.storage;
  out.push('## Storage', '');
  out.push(`Database ${bytes(s.databaseBytes)} (${bytes(s.freelistBytes)} on the freelist), measured with ${s.method}.`, '');
  out.push('| object | kind | table | bytes | pages |', '|---|---|---|---:|---:|');
  for (const o of s.objects) out.push(`| ${cell(o.name)} | ${o.kind} | ${cell(o.table)} | ${o.bytes} | ${o.pages} |`);
  out.push('');
  if (s.collections.length > 0) {
    out.push('| collection | records | metadata | full-text | WAL | HNSW files | total |', '|---|---:|---:|---:|---:|---:|---:|');
    for (const c of s.collections) {
      const hnsw = c.hnswFiles.reduce((t, f) => t + f.bytes, 0);
      out.push(`| ${cell(`${c.tenant}/${c.database}/${c.name}`)} | ${c.sqlite.records} | ${c.sqlite.metadata} | ${c.sqlite.fts} | ${c.sqlite.wal} | ${hnsw} | ${c.totalBytes} |`);
    }
    out.push('');
  }
  out.push(`Left by deleted collections: ${bytes(s.orphans.sqliteBytes)} in the database, ${bytes(s.orphans.fileBytes)} in segment folders.`, '');
  out.push(`*${s.attribution}*`, '');
  if (s.reclaim) {
    const m = s.reclaim;
    out.push(
      `**Purge + VACUUM:** ${bytes(m.databaseBytes)} → ${bytes(m.afterPurgeAndVacuumBytes)} (reclaims ${bytes(m.reclaimableBytes)}, ${m.walRowsPurged} WAL rows purged; VACUUM alone: ${bytes(m.afterVacuumBytes)}). ${s.reclaimNote}`,
      '',
    );
  } else out.push(`**Purge + VACUUM:** ${s.reclaimNote}`, '');
  return `${out.join('\n')}\n`;
}
