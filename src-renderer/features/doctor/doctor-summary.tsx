import type { DoctorReport } from '../../../shared/models.js';
import { Section } from '../../components/section.js';
import { formatBytes, formatCount } from '../../components/value/format.js';
import { Stats } from '../backup/outcome-parts.js';

/** The verdict at a glance: how many errors / warnings / notes, the era, and the disk. */
export function DoctorSummary({ report: r }: { report: DoctorReport }) {
  const verdict = r.summary.errors > 0 ? 'Needs repair' : r.summary.warnings > 0 ? 'Works, with warnings' : 'Healthy';
  const tone = r.summary.errors > 0 ? 'error' : r.summary.warnings > 0 ? 'warn' : 'ok';
  const diskShort = r.disk.freeBytes !== null && r.disk.freeBytes < r.disk.vacuumNeedsBytes;
  return (
    <Section title="Summary" testId="doctor-summary" aside={<span className={`doctor-verdict doctor-verdict-${tone}`} data-testid="doctor-verdict">{verdict}</span>}>
      <Stats
        items={[
          { label: 'Errors', value: formatCount(r.summary.errors), tone: r.summary.errors > 0 ? 'error' : undefined, testId: 'doctor-errors' },
          { label: 'Warnings', value: formatCount(r.summary.warnings), tone: r.summary.warnings > 0 ? 'warn' : undefined, testId: 'doctor-warnings' },
          { label: 'Notes', value: formatCount(r.summary.infos), testId: 'doctor-infos' },
          { label: 'Collections', value: formatCount(r.collections.length) },
          { label: 'Tenants / databases', value: `${r.tenants} / ${r.databases}` },
          { label: 'chroma.sqlite3', value: formatBytes(r.sqlite.bytes) },
          { label: 'Free disk', value: r.disk.freeBytes === null ? '—' : formatBytes(r.disk.freeBytes), tone: diskShort ? 'warn' : undefined },
        ]}
      />
      <p className="muted doctor-era">
        Written by Chroma {r.era.chromaVersions} ({r.era.label}) · SQLite {r.sqlite.version}, journal mode {r.sqlite.journalMode}, {formatCount(r.sqlite.pages)} pages of{' '}
        {formatBytes(r.sqlite.pageSize)}, {formatCount(r.sqlite.freelistPages)} free · examined in {(r.elapsedMs / 1000).toFixed(1)} s
      </p>
    </Section>
  );
}
