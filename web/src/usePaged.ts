// Paged lists ("Load more"): the first page on mount and whenever `key` changes, then more on demand.
// Responses for an outdated key are dropped.

import { useCallback, useEffect, useRef, useState } from 'react';
import { messageOf } from './components/ui';

export interface Page<T> {
  entries: T[];
  nextCursor: string | null;
}

export interface PagedState<T> {
  entries: T[];
  nextCursor: string | null;
  /** First page loading. */
  loading: boolean;
  loadingMore: boolean;
  /** Error of the first page (nothing to show). */
  error: string | null;
  /** Error of a later page (the entries so far stay). */
  moreError: string | null;
}

export function usePaged<T>(key: string, fetchPage: (cursor: string | null) => Promise<Page<T>>) {
  const [state, setState] = useState<PagedState<T>>({
    entries: [],
    nextCursor: null,
    loading: true,
    loadingMore: false,
    error: null,
    moreError: null,
  });
  const generation = useRef(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const stateRef = useRef(state);
  stateRef.current = state;

  const reload = useCallback(() => {
    const gen = ++generation.current;
    setState((s) => ({ ...s, entries: [], nextCursor: null, loading: true, error: null, moreError: null }));
    fetchRef.current(null).then(
      (page) => {
        if (gen !== generation.current) return;
        setState((s) => ({ ...s, entries: page.entries, nextCursor: page.nextCursor, loading: false }));
      },
      (err: unknown) => {
        if (gen !== generation.current) return;
        setState((s) => ({ ...s, loading: false, error: messageOf(err) }));
      },
    );
  }, []);

  useEffect(() => {
    reload();
    return () => {
      generation.current++;
    };
  }, [key, reload]);

  const loadMore = useCallback(() => {
    const { nextCursor, loadingMore } = stateRef.current;
    if (!nextCursor || loadingMore) return;
    const gen = generation.current;
    setState((s) => ({ ...s, loadingMore: true, moreError: null }));
    fetchRef.current(nextCursor).then(
      (page) => {
        if (gen !== generation.current) return;
        setState((s) => ({
          ...s,
          entries: [...s.entries, ...page.entries],
          nextCursor: page.nextCursor,
          loadingMore: false,
        }));
      },
      (err: unknown) => {
        if (gen !== generation.current) return;
        setState((s) => ({ ...s, loadingMore: false, moreError: messageOf(err) }));
      },
    );
  }, []);

  /** Local edits (e.g. prepend a created item) without refetching. */
  const update = useCallback((fn: (entries: T[]) => T[]) => {
    setState((s) => ({ ...s, entries: fn(s.entries) }));
  }, []);

  return { ...state, reload, loadMore, update };
}
