import { useOpenFolder } from '../../app/workspace-context.js';
import { Badge } from '../../components/badge.js';
import { JsonView } from '../../components/json-view.js';
import { ProblemList } from '../../components/problem-list.js';
import { KeyValues, Section } from '../../components/section.js';
import { formatBytes, formatCount } from '../../components/value/format.js';
import { FilesSection } from './files-section.js';
import { TableSizesSection } from './table-sizes-section.js';
import { OrphansSection } from './orphans-section.js';
import { CollectionsTable } from './collections-table.js';
import { ServerOverview } from './server-overview.js';

/** Everything about the folder at a glance: era, SQLite, activity, WAL, health, files, tables (or the server's panel). */
export function FolderOverview() {
  const { info, collections, selectCollection } = useOpenFolder();
  // A server source has no files, era or WAL to show: its own panel instead.
  if (info.server) return <ServerOverview info={info} server={info.server} />;
  const { era } = info;
  const okMigrations = era.migrations.filter((m) => m.status === 'ok').length;
  return (
    <div className="page" data-testid="folder-overview">
      <header className="page-head">
        <div>
          <h2 className="page-title">{info.path.split(/[\\/]/).filter(Boolean).pop() ?? info.path}</h2>
          <div className="page-sub mono">{info.path}</div>
        </div>
        <div className="page-badges">
          {window.chromaInspector?.revealInFileManager && (
            <button type="button" className="btn btn-xs" onClick={() => window.chromaInspector?.revealInFileManager?.(info.path)}>
              Reveal in file manager
            </button>
          )}
          <Badge tone="accent" testId="overview-era">
            {era.label}
          </Badge>
          {era.rustCore && <Badge tone="info">Rust core</Badge>}
          <Badge tone={info.activity.likelyInUse ? 'warn' : 'ok'} testId="overview-activity">
            {info.activity.likelyInUse ? 'in use' : 'idle'}
          </Badge>
        </div>
      </header>

      <div className="cards">
        <Section title="Format" testId="overview-format">
          <KeyValues
            rows={[
              ['Era', <b key="e">{era.label}</b>],
              ['Chroma versions', era.chromaVersions],
              ['Engine', era.rustCore ? 'Rust core (1.x)' : 'Python (0.x)'],
              ['Tenants', era.hasTenants ? 'yes' : 'no (pre-0.5)'],
              [
                'Migrations',
                <span key="m">
                  {okMigrations}/{era.migrations.length} known {era.migrationsVerified ? <Badge tone="ok">verified</Badge> : <Badge tone="warn">not verified</Badge>}
                </span>,
              ],
            ]}
          />
        </Section>
        <Section title="SQLite" testId="overview-sqlite">
          <KeyValues
            rows={[
              ['Journal mode', <code key="j">{info.journalMode}</code>],
              ['SQLite version', info.sqliteVersion],
              ['Page size', formatBytes(info.pageSize)],
              ['Folder size', formatBytes(info.totalBytes)],
              ['Collections', formatCount(collections.length)],
            ]}
          />
        </Section>
        <Section title="Activity" testId="overview-activity-section">
          <KeyValues rows={[['In use', info.activity.likelyInUse ? <Badge key="u" tone="warn">likely in use</Badge> : <Badge key="u" tone="ok">no sign of a running Chroma</Badge>]]} />
          {info.activity.reasons.length > 0 && (
            <ul className="reasons">
              {info.activity.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          )}
        </Section>
        <Section title="Write-ahead log" testId="overview-wal">
          <KeyValues
            rows={[
              ['Rows', <b key="r">{formatCount(info.walRows)}</b>],
              ['seq_id range', info.walSeqRange ? `${info.walSeqRange[0]} … ${info.walSeqRange[1]}` : '—'],
              ['Automatic purge', info.automaticallyPurge === null ? 'unknown' : info.automaticallyPurge ? 'on' : <Badge key="p" tone="warn">off</Badge>],
            ]}
          />
        </Section>
      </div>

      <Section title="Health" aside={<ProblemCounts info={info} />} testId="overview-health">
        <ProblemList problems={info.problems} />
      </Section>

      <CollectionsTable collections={collections} onSelect={(id) => selectCollection(id, 'collection')} />

      <FilesSection info={info} />
      <OrphansSection orphans={info.orphans} />
      <TableSizesSection info={info} />
      <Section title="Migrations" testId="overview-migrations">
        <JsonView value={era.migrations} title={`${era.migrations.length} migration rows`} />
      </Section>
    </div>
  );
}

function ProblemCounts({ info }: { info: { problems: { severity: string }[] } }) {
  const n = (s: string) => info.problems.filter((p) => p.severity === s).length;
  return (
    <span className="problem-counts">
      {n('error') > 0 && <Badge tone="error">{n('error')} errors</Badge>}
      {n('warning') > 0 && <Badge tone="warn">{n('warning')} warnings</Badge>}
      {n('info') > 0 && <Badge tone="info">{n('info')} notes</Badge>}
    </span>
  );
}
