import type { ReactNode } from 'react';
import type { AsyncState } from '../client/async-state.js';
import { CallProgress } from './call-progress.js';
import { ErrorState } from './error-state.js';

interface Props<T> {
  state: AsyncState<T>;
  onCancel?: () => void;
  onRetry?: () => void;
  loadingLabel?: string;
  children: (value: T) => ReactNode;
}

/** Loading (with progress + cancel), error (code + message + retry) or the value. */
export function AsyncView<T>({ state, onCancel, onRetry, loadingLabel, children }: Props<T>) {
  if (state.status === 'success') return <>{children(state.value)}</>;
  if (state.status === 'error') return <ErrorState error={state.error} onRetry={onRetry} />;
  if (state.status === 'loading')
    return (
      <div className="loading-block">
        <CallProgress progress={state.progress} onCancel={onCancel} label={loadingLabel} />
      </div>
    );
  return null;
}
