// "/activity": what happened to the user's items, newest first, with "Load more".

import { useCallback } from 'react';
import type { ActivityEntry } from '../api/types';
import { LoadMore } from '../components/LoadMore';
import { ErrorMessage, Loading, PageHeading, formatDateTime } from '../components/ui';
import { Link } from '../router';
import { useServices } from '../services';
import { usePaged } from '../usePaged';

export const ACTIVITY_PAGE_SIZE = 25;

export function Activity() {
  const { api } = useServices();
  const fetchPage = useCallback(
    async (cursor: string | null) => {
      const page = await api.listActivity({ limit: ACTIVITY_PAGE_SIZE, cursor });
      return { entries: page.activity, nextCursor: page.nextCursor };
    },
    [api],
  );
  const feed = usePaged<ActivityEntry>('activity', fetchPage);

  return (
    <section>
      <PageHeading title="Activity">Activity</PageHeading>
      {feed.loading ? (
        <Loading label="Loading activity…" />
      ) : feed.error ? (
        <ErrorMessage message={feed.error} onRetry={feed.reload} testId="activity-error" />
      ) : feed.entries.length === 0 ? (
        <p className="empty" data-testid="activity-empty">
          No activity yet. Create an item to get started.
        </p>
      ) : (
        <ol className="activity-list" data-testid="activity-list" aria-label="Activity">
          {feed.entries.map((a) => (
            <li key={a.id} data-testid="activity-row" data-type={a.type}>
              <time dateTime={a.occurredAt}>{formatDateTime(a.occurredAt)}</time>
              <span className="summary">
                {a.itemId ? <Link to={`/items/${encodeURIComponent(a.itemId)}`}>{a.summary}</Link> : a.summary}
              </span>
              <span className="activity-type">{a.type}</span>
            </li>
          ))}
        </ol>
      )}
      <LoadMore list={feed} />
    </section>
  );
}
