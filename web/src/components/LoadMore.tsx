import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, isAbort, type Page } from '../api';
import { Button } from './Button';

export type PagedList<T> = {
  items: T[];
  loading: boolean;
  error: unknown;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
  setItems: (update: (items: T[]) => T[]) => void;
};

/** A cursor-paginated list (`{data, next_cursor}`); refetches from the start when path or query change. */
export function usePagedList<T>(
  path: string | null,
  query: Record<string, string | undefined> = {},
  limit = 50,
): PagedList<T> {
  const [items, setItemsState] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);
  const abort = useRef<AbortController | null>(null);
  const key = JSON.stringify(query);

  const fetchPage = useCallback(
    async (after: string | null, replace: boolean) => {
      if (!path) return;
      abort.current?.abort();
      const ctrl = new AbortController();
      abort.current = ctrl;
      setLoading(true);
      setError(null);
      try {
        const page = await api<Page<T>>(path, {
          query: { ...JSON.parse(key), limit, cursor: after ?? undefined },
          signal: ctrl.signal,
        });
        setItemsState((prev) => (replace ? page.data : [...prev, ...page.data]));
        setCursor(page.next_cursor);
      } catch (err) {
        if (!isAbort(err)) setError(err);
      } finally {
        if (abort.current === ctrl) setLoading(false);
      }
    },
    [path, key, limit],
  );

  useEffect(() => {
    setItemsState([]);
    setCursor(null);
    fetchPage(null, true);
    return () => abort.current?.abort();
  }, [fetchPage, generation]);

  return {
    items,
    loading,
    error,
    hasMore: cursor !== null,
    loadMore: () => {
      if (cursor && !loading) fetchPage(cursor, false);
    },
    reload: () => setGeneration((g) => g + 1),
    setItems: (update) => setItemsState(update),
  };
}

/** "Load more" for a cursor-paginated list, plus a polite count for screen readers. */
export function LoadMore<T>({ list, noun }: { list: PagedList<T>; noun: string }) {
  return (
    <div class="load-more">
      <p class="muted" aria-live="polite">
        {list.loading
          ? 'Loading…'
          : `Showing ${list.hasMore ? 'the first' : 'all'} ${list.items.length} ${noun}`}
      </p>
      {list.hasMore && (
        <Button onClick={list.loadMore} busy={list.loading}>
          Load more
        </Button>
      )}
    </div>
  );
}
