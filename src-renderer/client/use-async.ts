import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import { isCancelled, toInspectorError, type AsyncState, type Task } from './async-state.js';

interface Controls {
  /** Aborts the running call (the engine gets a `cancel`). */
  cancel(): void;
}

/**
 * Runs `task` whenever `deps` change (and on `reload()`), aborting the previous run. Progress from
 * the engine lands in `state.progress` while loading.
 */
export function useAsync<T>(task: Task<T> | null, deps: DependencyList): Controls & { state: AsyncState<T>; reload(): void } {
  const [state, setState] = useState<AsyncState<T>>({ status: task ? 'loading' : 'idle', progress: null } as AsyncState<T>);
  const [tick, setTick] = useState(0);
  const controller = useRef<AbortController | null>(null);

  useEffect(() => {
    if (!task) {
      setState({ status: 'idle' });
      return;
    }
    const ac = new AbortController();
    controller.current = ac;
    setState({ status: 'loading', progress: null });
    task(ac.signal, (progress) => {
      if (!ac.signal.aborted) setState({ status: 'loading', progress });
    }).then(
      (value) => {
        if (!ac.signal.aborted) setState({ status: 'success', value });
      },
      (err: unknown) => {
        if (ac.signal.aborted && isCancelled(err)) return;
        setState({ status: 'error', error: toInspectorError(err) });
      },
    );
    return () => ac.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  const cancel = useCallback(() => {
    const ac = controller.current;
    if (!ac || ac.signal.aborted) return;
    ac.abort();
    setState({ status: 'error', error: toInspectorError({ code: 'CANCELLED', message: 'Cancelled by you' }) });
  }, []);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { state, cancel, reload };
}

/** A call the user starts (Run, Query …): one at a time, cancellable, with progress. */
export function useRunner<T>(): Controls & { state: AsyncState<T>; run(task: Task<T>): Promise<void>; reset(): void } {
  const [state, setState] = useState<AsyncState<T>>({ status: 'idle' });
  const controller = useRef<AbortController | null>(null);

  useEffect(() => () => controller.current?.abort(), []);

  const run = useCallback(async (task: Task<T>) => {
    controller.current?.abort();
    const ac = new AbortController();
    controller.current = ac;
    setState({ status: 'loading', progress: null });
    try {
      const value = await task(ac.signal, (progress) => {
        if (!ac.signal.aborted) setState({ status: 'loading', progress });
      });
      if (controller.current === ac) setState({ status: 'success', value });
    } catch (err) {
      if (controller.current === ac) setState({ status: 'error', error: toInspectorError(err) });
    }
  }, []);
  const cancel = useCallback(() => controller.current?.abort(), []);
  const reset = useCallback(() => {
    controller.current?.abort();
    controller.current = null;
    setState({ status: 'idle' });
  }, []);
  return { state, run, cancel, reset };
}
