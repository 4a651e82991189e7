import type { StorageReport } from '../../../shared/models.js';
import { Section } from '../../components/section.js';
import { formatBytes } from '../../components/value/format.js';

const TOP_OBJECTS = 12;

/** Where the bytes are: per collection (SQLite parts and HNSW files), the biggest b-trees, and what a purge reclaims. */
export function StorageSection({ storage: s }: { storage: StorageReport }) {
  const max = Math.max(1, ...s.collections.map((c) => c.totalBytes));
  const objects = [...s.objects].sort((a, b) => b.bytes - a.bytes).slice(0, TOP_OBJECTS);
  return (
    <Section title="Storage" testId="doctor-storage" aside={<span className="muted">{s.method === 'dbstat' ? 'measured with dbstat' : 'measured by walking the b-trees'}</span>}>
      <p className="muted">
        chroma.sqlite3: {formatBytes(s.databaseBytes)}, of which {formatBytes(s.freelistBytes)} free pages. Left by deleted collections: {formatBytes(s.orphans.sqliteBytes)} in
        SQLite, {formatBytes(s.orphans.fileBytes)} in folders.
      </p>
      <div className="storage-bars">
        {s.collections.map((c) => {
          const parts: [string, number][] = [
            ['records', c.sqlite.records],
            ['metadata', c.sqlite.metadata],
            ['fts', c.sqlite.fts],
            ['wal', c.sqlite.wal],
            ['hnsw', c.hnswFiles.reduce((sum, f) => sum + f.bytes, 0)],
          ];
          return (
            <div key={c.collectionId} className="storage-row" data-testid="doctor-storage-collection">
              <span className="storage-name mono" title={`${c.tenant} / ${c.database}`}>
                {c.name}
              </span>
              <span className="storage-bar" style={{ width: `${Math.max(2, (c.totalBytes / max) * 100)}%` }}>
                {parts.map(([k, v]) => (v > 0 ? <span key={k} className={`storage-part storage-${k}`} style={{ flexGrow: v }} title={`${k}: ${formatBytes(v)}`} /> : null))}
              </span>
              <span className="storage-total">{formatBytes(c.totalBytes)}</span>
            </div>
          );
        })}
      </div>
      <p className="storage-legend muted">
        {['records', 'metadata', 'fts', 'wal', 'hnsw'].map((k) => (
          <span key={k}>
            <span className={`storage-swatch storage-${k}`} /> {k}
          </span>
        ))}{' '}
        · {s.attribution}
      </p>
      <table className="table table-compact">
        <thead>
          <tr>
            <th>Largest tables and indexes</th>
            <th>Kind</th>
            <th className="num">Bytes</th>
          </tr>
        </thead>
        <tbody>
          {objects.map((o) => (
            <tr key={o.name}>
              <td className="mono">{o.name}</td>
              <td className="muted">{o.kind}</td>
              <td className="num">{formatBytes(o.bytes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="doctor-reclaim" data-testid="doctor-reclaim">
        {s.reclaim ? (
          <p>
            <b>Purge + VACUUM reclaim {formatBytes(s.reclaim.reclaimableBytes)}</b> (measured on a copy: {formatBytes(s.reclaim.databaseBytes)} →{' '}
            {formatBytes(s.reclaim.afterPurgeAndVacuumBytes)}; VACUUM alone → {formatBytes(s.reclaim.afterVacuumBytes)}; {s.reclaim.walRowsPurged} WAL rows purged).
          </p>
        ) : (
          <p className="muted">{s.reclaimNote}</p>
        )}
      </div>
    </Section>
  );
}
