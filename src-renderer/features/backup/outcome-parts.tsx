import type { ReactNode } from 'react';
import type { BackupCollectionSummary } from '../../../shared/contract.js';
import { Badge } from '../../components/badge.js';
import { CopyButton } from '../../components/copy-button.js';
import { formatCount } from '../../components/value/format.js';

/** A row of small figures (size, files, records …) at the top of a result. */
export function Stats({ items }: { items: { label: string; value: ReactNode; tone?: 'ok' | 'warn' | 'error'; testId?: string }[] }) {
  return (
    <div className="result-stats">
      {items.map((s) => (
        <div key={s.label} className={`stat${s.tone ? ` stat-${s.tone}` : ''}`} data-testid={s.testId}>
          <div className="stat-value">{s.value}</div>
          <div className="stat-label">{s.label}</div>
        </div>
      ))}
    </div>
  );
}

/** The path a call wrote or read, with Copy and (in the desktop app) Reveal. */
export function PathLine({ label, path, testId }: { label: string; path: string; testId?: string }) {
  const reveal = window.chromaInspector?.revealInFileManager;
  return (
    <div className="path-line">
      <span className="path-line-label">{label}</span>
      <code className="path-line-path" title={path} data-testid={testId}>
        {path}
      </code>
      <CopyButton text={path} />
      {reveal && (
        <button type="button" className="btn btn-xs" onClick={() => reveal(path)}>
          Reveal
        </button>
      )}
    </div>
  );
}

const DEFAULT_SCOPE = 'default_tenant/default_database';

export const isMismatch = (c: BackupCollectionSummary) => c.expected !== null && c.expected !== c.count;

/**
 * Records per collection. With `compare`, the count the manifest expected sits beside the count
 * read back, and rows that disagree are highlighted.
 */
export function CollectionCounts({ collections, compare, testId }: { collections: BackupCollectionSummary[]; compare: boolean; testId: string }) {
  if (collections.length === 0) return <p className="muted">No collection in this backup.</p>;
  return (
    <table className="table table-compact counts-table" data-testid={testId}>
      <thead>
        <tr>
          <th>Collection</th>
          <th className="num">Records</th>
          {compare && <th className="num">Expected</th>}
          {compare && <th className="counts-status" />}
        </tr>
      </thead>
      <tbody>
        {collections.map((c) => {
          const bad = isMismatch(c);
          const scope = `${c.tenant}/${c.database}`;
          return (
            <tr key={c.id} className={bad ? 'mismatch' : undefined} data-testid={`${testId}-row`} data-name={c.name} data-count={c.count} data-mismatch={bad || undefined}>
              <td className="counts-name" title={`${scope}/${c.name} · ${c.id}`}>
                {scope !== DEFAULT_SCOPE && <span className="muted">{scope}/</span>}
                <b>{c.name}</b>
              </td>
              <td className="num" data-testid="count">
                {formatCount(c.count)}
              </td>
              {compare && <td className="num muted">{c.expected === null ? '—' : formatCount(c.expected)}</td>}
              {compare && (
                <td className="counts-status">
                  {c.expected === null ? <Badge>no manifest</Badge> : bad ? <Badge tone="error">mismatch</Badge> : <Badge tone="ok">match</Badge>}
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function Warnings({ warnings, testId }: { warnings: string[]; testId: string }) {
  if (warnings.length === 0) return null;
  return (
    <div className="result-warnings" data-testid={testId}>
      <div className="result-warnings-head">
        <Badge tone="warn">
          {warnings.length} warning{warnings.length > 1 ? 's' : ''}
        </Badge>
      </div>
      <ul>
        {warnings.map((w, i) => (
          <li key={i}>{w}</li>
        ))}
      </ul>
    </div>
  );
}

/** Sum of records over collections. */
export const totalRecords = (collections: BackupCollectionSummary[]) => collections.reduce((s, c) => s + c.count, 0);
