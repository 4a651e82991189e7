import { useState } from 'react';
import type { FolderInfo, TableSize } from '../../../shared/models.js';
import { useClient } from '../../client/client-context.js';
import { useRunner } from '../../client/use-async.js';
import { CallProgress } from '../../components/call-progress.js';
import { ErrorState } from '../../components/error-state.js';
import { Section } from '../../components/section.js';
import { formatBytes, formatCount } from '../../components/value/format.js';
import { useWorkspace } from '../../app/workspace-context.js';

/** Rows (and bytes, when SQLite has dbstat) per table; "Refresh" asks the engine again. */
export function TableSizesSection({ info }: { info: FolderInfo }) {
  const client = useClient();
  const ws = useWorkspace();
  const runner = useRunner<TableSize[]>();
  const [sortBy, setSortBy] = useState<'rows' | 'bytes' | 'table'>('rows');
  const sizes = runner.state.status === 'success' ? runner.state.value : info.tableSizes;
  const sorted = [...sizes].sort((a, b) => (sortBy === 'table' ? a.table.localeCompare(b.table) : (b[sortBy] ?? -1) - (a[sortBy] ?? -1)));
  const maxBytes = Math.max(1, ...sizes.map((s) => s.bytes ?? 0));
  const refresh = () => {
    const handle = ws.folder?.handle;
    if (handle) void runner.run((signal, onProgress) => client.call('tableSizes', { handle }, { signal, onProgress }));
  };
  return (
    <Section
      title="Tables"
      testId="overview-tables"
      aside={
        <button type="button" className="btn btn-xs" onClick={refresh} disabled={runner.state.status === 'loading'} data-testid="table-sizes-refresh">
          Refresh
        </button>
      }
    >
      {runner.state.status === 'loading' && <CallProgress progress={runner.state.progress} onCancel={runner.cancel} label="Measuring tables…" />}
      {runner.state.status === 'error' && <ErrorState error={runner.state.error} compact />}
      <table className="table table-compact" data-testid="table-sizes">
        <thead>
          <tr>
            <th className="clickable" onClick={() => setSortBy('table')}>
              Table
            </th>
            <th className="num clickable" onClick={() => setSortBy('rows')}>
              Rows {sortBy === 'rows' && '▼'}
            </th>
            <th className="num clickable" onClick={() => setSortBy('bytes')}>
              Bytes {sortBy === 'bytes' && '▼'}
            </th>
            <th className="bar-col" />
          </tr>
        </thead>
        <tbody>
          {sorted.map((t) => (
            <tr key={t.table}>
              <td className="mono">{t.table}</td>
              <td className="num">{formatCount(t.rows)}</td>
              <td className="num">{t.bytes === null ? <span className="muted">n/a</span> : formatBytes(t.bytes)}</td>
              <td className="bar-col">
                {t.bytes !== null && (
                  <span className="size-bar">
                    <span style={{ width: `${Math.max(1, (t.bytes / maxBytes) * 100)}%` }} />
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
