import type { CollectionCopyReport, CopyReport } from '../../../shared/models.js';
import { Badge } from '../../components/badge.js';
import { formatCount } from '../../components/value/format.js';
import { copyHeadline, copyTotals, differencesOf, formatRecall, scopeText, verificationText } from './copy-summary.js';
import { PathLine, Stats, Warnings } from './outcome-parts.js';

/**
 * A finished copy: verified or NOT (the headline says which, loudly), the counts per
 * collection, what the check compared, every difference it found, and the warnings.
 */
export function CopyResult({ r, onOpenFolder }: { r: CopyReport; onOpenFolder?: (() => void) | undefined }) {
  const t = copyTotals(r);
  return (
    <div className={`card-result copy-result${r.ok ? '' : ' not-verified'}`} data-testid="copy-result" data-ok={r.ok}>
      <div className="result-title" data-testid="copy-headline">
        {r.ok ? (
          <span className="result-ok" aria-hidden="true">
            ✓
          </span>
        ) : (
          <span className="result-bad" aria-hidden="true">
            !
          </span>
        )}
        {copyHeadline(r)}
        <span className="spacer" />
        {onOpenFolder && (
          <button type="button" className="btn btn-sm" onClick={onOpenFolder} data-testid="copy-open-folder">
            Open the copy
          </button>
        )}
      </div>
      <PathLine label="From" path={r.source} />
      <PathLine label="To" path={r.target} testId="copy-result-target" />
      <Stats
        items={[
          { label: 'Copied', value: formatCount(t.copied), testId: 'copy-total-copied' },
          { label: 'Already there', value: formatCount(t.skipped), testId: 'copy-total-skipped' },
          { label: 'In the target', value: formatCount(t.targetRecords) },
          { label: 'Verified', value: `${t.verified} / ${t.collections}`, tone: r.ok ? 'ok' : 'error', testId: 'copy-total-verified' },
        ]}
      />
      {t.collections > 0 && <CopyTable r={r} />}
      {r.collections.map((c) => (
        <Differences key={c.name} c={c} />
      ))}
      <Warnings warnings={r.warnings} testId="copy-warnings" />
    </div>
  );
}

function CopyTable({ r }: { r: CopyReport }) {
  return (
    <div className="copy-table-wrap">
      <table className="table table-compact copy-table" data-testid="copy-collections">
        <caption>{scopeText(r)}</caption>
        <thead>
          <tr>
            <th>Collection</th>
            <th className="num">Copied</th>
            <th className="num" title="Already in the target (a resumed copy): left as they were">
              Already there
            </th>
            <th className="num">Target</th>
            <th className="num" title="Records read back from the target and compared in full">
              Sampled
            </th>
            <th className="num" title="Sample vector queries run on both sides">
              Queries
            </th>
            <th className="num" title="Mean share of the source's neighbours the target's answer also has">
              Recall
            </th>
          </tr>
        </thead>
        <tbody>
          {r.collections.map((c) => {
            const v = c.verification;
            return (
              <tr
                key={c.name}
                className={v.ok ? undefined : 'mismatch'}
                data-testid="copy-row"
                data-name={c.name}
                data-copied={c.copied}
                data-skipped={c.skipped}
                data-target-count={c.targetCount}
                data-ok={v.ok}
                title={`${c.name}: ${formatCount(c.sourceCount)} records in the source; ${verificationText(v)}`}
              >
                <td className="counts-name">
                  <b>{c.name}</b> {v.ok ? <Badge tone="ok">verified</Badge> : <Badge tone="error">NOT verified</Badge>} {c.created && <Badge tone="info">created</Badge>}
                </td>
                <td className="num">{formatCount(c.copied)}</td>
                <td className="num">{formatCount(c.skipped)}</td>
                <td className="num">{formatCount(c.targetCount)}</td>
                <td className="num" data-testid="copy-sampled">
                  {formatCount(v.sampled)}
                </td>
                <td className="num" data-testid="copy-queries">
                  {formatCount(v.queries)}
                </td>
                <td className="num" data-testid="copy-recall">
                  {formatRecall(v.recall)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The differences the check found in one collection (any one of them means NOT verified). */
function Differences({ c }: { c: CollectionCopyReport }) {
  const { lines, more } = differencesOf(c);
  if (lines.length === 0) return null;
  return (
    <div className="copy-differences" data-testid="copy-differences" data-name={c.name}>
      <div className="copy-differences-head">
        <Badge tone="error">{c.name}</Badge> differs between source and target
      </div>
      <ul>
        {lines.map((d, i) => (
          <li key={i} className="mono">
            {d}
          </li>
        ))}
        {more > 0 && <li className="muted">… and {formatCount(more)} more</li>}
      </ul>
    </div>
  );
}
