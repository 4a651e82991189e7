import type { ReactNode } from 'react';

/** A titled card in the overview / collection pages. */
export function Section({ title, aside, children, testId }: { title: string; aside?: ReactNode; children: ReactNode; testId?: string }) {
  return (
    <section className="section" data-testid={testId}>
      <header className="section-head">
        <h3>{title}</h3>
        {aside && <div className="section-aside">{aside}</div>}
      </header>
      <div className="section-body">{children}</div>
    </section>
  );
}

/** Two-column key/value list. */
export function KeyValues({ rows }: { rows: [ReactNode, ReactNode][] }) {
  return (
    <dl className="kv">
      {rows.map(([k, v], i) => (
        <div className="kv-row" key={i}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
