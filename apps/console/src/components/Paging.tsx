import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { asPage, type Page } from '../api.ts';
import { useGet } from '../session.tsx';

/** Pages through a list: a cursor trail for `{items,next_cursor}` servers, a growing limit for bare arrays. */
export function usePaged<T>(key: string, path: (page: { cursor?: string; limit: number }) => string) {
  const get = useGet();
  const [trail, setTrail] = useState<string[]>([]);
  const [limit, setLimit] = useState(20);
  const cursor = trail[trail.length - 1];
  const url = path({ ...(cursor ? { cursor } : {}), limit });
  const result = useQuery({ queryKey: [key, url], queryFn: () => get<T[] | Page<T>>(url).then((b) => ({ page: asPage(b), cursored: !Array.isArray(b) })) });
  const data = result.data;
  return {
    ...result,
    items: data?.page.items ?? [],
    pageNumber: trail.length + 1,
    hasOlder: data ? (data.cursored ? data.page.next_cursor !== undefined : data.page.items.length >= limit && limit < 500) : false,
    older: () => (data?.cursored ? setTrail((t) => [...t, data.page.next_cursor!]) : setLimit((l) => Math.min(500, l + 20))),
    hasNewer: trail.length > 0,
    newer: () => setTrail((t) => t.slice(0, -1)),
    reset: () => {
      setTrail([]);
      setLimit(20);
    },
  };
}

export function Pager({ pager, label }: { pager: ReturnType<typeof usePaged>; label: string }) {
  return (
    <nav className="row pager" aria-label={`${label} pages`}>
      <button type="button" className="secondary" disabled={!pager.hasNewer} onClick={pager.newer}>
        Newer
      </button>
      <span>Page {pager.pageNumber}</span>
      <button type="button" className="secondary" disabled={!pager.hasOlder} onClick={pager.older}>
        Older
      </button>
      <button type="button" className="secondary" onClick={() => void pager.refetch()}>
        Refresh
      </button>
    </nav>
  );
}

