import { useState } from 'react';
import type { DoctorFinding, DoctorSeverity } from '../../../shared/models.js';
import { Badge, severityTone } from '../../components/badge.js';
import { Section } from '../../components/section.js';
import { formatCount, truncate } from '../../components/value/format.js';

const SEVERITIES: DoctorSeverity[] = ['error', 'warning', 'info'];

/** Every finding, errors first; each opens to its evidence, what Chroma would do, and the fix. */
export function FindingList({ findings }: { findings: DoctorFinding[] }) {
  const [shown, setShown] = useState<Set<DoctorSeverity>>(() => new Set(SEVERITIES));
  const visible = findings.filter((f) => shown.has(f.severity));
  const toggle = (s: DoctorSeverity) => setShown((cur) => {
    const next = new Set(cur);
    if (next.has(s)) next.delete(s);
    else next.add(s);
    return next;
  });
  const filters = (
    <span className="doctor-filters">
      {SEVERITIES.map((s) => (
        <label key={s} className="check">
          <input type="checkbox" checked={shown.has(s)} onChange={() => toggle(s)} data-testid={`doctor-show-${s}`} />
          {s}s ({findings.filter((f) => f.severity === s).length})
        </label>
      ))}
    </span>
  );
  return (
    <Section title="Findings" testId="doctor-findings" aside={filters}>
      {findings.length === 0 && <p className="muted">Nothing to report: every check passed.</p>}
      <ul className="finding-list">
        {visible.map((f, i) => (
          <FindingItem key={`${f.code}-${i}`} finding={f} />
        ))}
      </ul>
    </Section>
  );
}

function FindingItem({ finding: f }: { finding: DoctorFinding }) {
  const numbers = Object.entries(f.evidence.numbers);
  return (
    <li className={`finding finding-${f.severity}`} data-testid="doctor-finding" data-code={f.code} data-severity={f.severity}>
      <details>
        <summary>
          <Badge tone={severityTone(f.severity)}>{f.severity}</Badge>
          <span className="finding-title">{f.title}</span>
          {f.collection && <span className="finding-collection mono">{f.collection.name}</span>}
          {f.fix && <Badge tone="accent" title="The repair that cures it, made on a copy">fix: {f.fix}</Badge>}
          <code className="finding-code">{f.code}</code>
        </summary>
        <div className="finding-body">
          <p>
            <b>Chroma:</b> {f.chromaWould}
          </p>
          <p>
            <b>Remedy:</b> {f.remedy}
          </p>
          {numbers.length > 0 && (
            <dl className="finding-numbers">
              {numbers.map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd>{formatCount(v)}</dd>
                </div>
              ))}
            </dl>
          )}
          {f.evidence.ids.length > 0 && <EvidenceLine label="ids" items={f.evidence.ids} />}
          {f.evidence.files.length > 0 && <EvidenceLine label="files" items={f.evidence.files} />}
          {f.evidence.segments.length > 0 && <EvidenceLine label="segments" items={f.evidence.segments} />}
          {f.evidence.samples.length > 0 && (
            <table className="table table-compact finding-samples">
              <tbody>
                {f.evidence.samples.map((s, i) => (
                  <tr key={i}>
                    <td className="mono">{s.id ?? '—'}</td>
                    {Object.entries(s.fields).map(([k, v]) => (
                      <td key={k} title={v ?? ''}>
                        <span className="muted">{k}:</span> {v === null ? '—' : truncate(v, 80)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {f.evidence.notes.map((n, i) => (
            <p key={i} className="muted finding-note">
              {n}
            </p>
          ))}
        </div>
      </details>
    </li>
  );
}

function EvidenceLine({ label, items }: { label: string; items: string[] }) {
  return (
    <p className="finding-evidence">
      <span className="muted">{label}:</span>{' '}
      {items.map((x) => (
        <code key={x} className="finding-chip">
          {x}
        </code>
      ))}
    </p>
  );
}
