import { useEffect, useMemo, useReducer, useRef } from 'react';
import { PageCache } from './page-cache.js';
import type { FetchPage } from './grid-types.js';

/**
 * A PageCache bound to React: a new cache whenever `resetKey` changes (new filter, sort, source),
 * the old one disposed (its requests aborted), and a re-render each time a page lands.
 */
export function usePagedRows<T>(fetchPage: FetchPage<T>, resetKey: string, pageSize = 200) {
  const [version, bump] = useReducer((n: number) => n + 1, 0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const cache = useMemo(
    () => new PageCache<T>((offset, limit, signal) => fetchRef.current(offset, limit, signal), bump, { pageSize, prefetch: 0 }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [resetKey, pageSize],
  );
  useEffect(() => {
    cache.open();
    return () => cache.dispose();
  }, [cache]);

  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  /** Debounced so a fast scroll does not start (and abort) a request per frame. */
  const request = (first: number, last: number) => {
    if (pending.current) clearTimeout(pending.current);
    const immediate = cache.total === null && !cache.loading;
    if (immediate) {
      cache.ensure(first, last);
      return;
    }
    pending.current = setTimeout(() => cache.ensure(first, last), 40);
  };
  useEffect(() => () => {
    if (pending.current) clearTimeout(pending.current);
  }, []);

  return { cache, version, request };
}
