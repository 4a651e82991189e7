import type { ReactNode } from 'react';

export type Tone = 'neutral' | 'info' | 'ok' | 'warn' | 'error' | 'accent';

export function Badge({ tone = 'neutral', children, title, testId }: { tone?: Tone; children: ReactNode; title?: string; testId?: string }) {
  return (
    <span className={`badge badge-${tone}`} title={title} data-testid={testId}>
      {children}
    </span>
  );
}

export const severityTone = (s: 'error' | 'warning' | 'info'): Tone => (s === 'error' ? 'error' : s === 'warning' ? 'warn' : 'info');
