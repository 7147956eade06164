// The foot of a paged list (usePaged): "Load more" while there is a next page, and the error of the
// last page asked for, with a retry.

import type { PagedState } from '../usePaged';
import { ErrorMessage } from './ui';

export function LoadMore({ list }: { list: PagedState<unknown> & { loadMore: () => void } }) {
  return (
    <>
      {!list.loading && !list.error && list.nextCursor && (
        <div className="more">
          <button type="button" onClick={list.loadMore} disabled={list.loadingMore} data-testid="load-more">
            {list.loadingMore ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
      {list.moreError && <ErrorMessage message={list.moreError} onRetry={list.loadMore} testId="load-more-error" />}
    </>
  );
}
