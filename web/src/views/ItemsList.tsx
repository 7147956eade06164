// "/": the signed-in user's items, a status filter, "Load more" paging and the create form.

import { useCallback, useRef, useState, type FormEvent } from 'react';
import { newIdempotencyKey } from '../api/client';
import { LIMITS, type Item, type ItemStatus } from '../api/types';
import { LoadMore } from '../components/LoadMore';
import { ErrorMessage, Loading, PageHeading, StatusBadge, StatusMessage, SubmitButton, today } from '../components/ui';
import { Link, useRouter } from '../router';
import { useServices } from '../services';
import { useFormAction } from '../useFormAction';
import { usePaged } from '../usePaged';

export const PAGE_SIZE = 20;

type Filter = 'all' | ItemStatus;

function parseFilter(v: string | null): Filter {
  return v === 'open' || v === 'done' ? v : 'all';
}

export function ItemsList() {
  const { api } = useServices();
  const { query, navigate } = useRouter();
  const filter = parseFilter(query.get('status'));

  const fetchPage = useCallback(
    async (cursor: string | null) => {
      const page = await api.listItems({
        status: filter === 'all' ? undefined : filter,
        limit: PAGE_SIZE,
        cursor,
      });
      return { entries: page.items, nextCursor: page.nextCursor };
    },
    [api, filter],
  );
  const list = usePaged<Item>(filter, fetchPage);

  const onCreated = (item: Item) => {
    if (filter === 'all' || filter === item.status) list.update((items) => [item, ...items]);
  };

  return (
    <section>
      <PageHeading title="Items">Items</PageHeading>
      <CreateItemForm onCreated={onCreated} />

      <div className="toolbar">
        <label htmlFor="status-filter">Show</label>
        <select
          id="status-filter"
          data-testid="status-filter"
          value={filter}
          onChange={(e) => navigate(e.target.value === 'all' ? '/' : `/?status=${e.target.value}`, { replace: true })}
        >
          <option value="all">All items</option>
          <option value="open">Open</option>
          <option value="done">Done</option>
        </select>
      </div>

      {list.loading ? (
        <Loading label="Loading items…" />
      ) : list.error ? (
        <ErrorMessage message={list.error} onRetry={list.reload} testId="items-error" />
      ) : list.entries.length === 0 ? (
        <p className="empty" data-testid="items-empty">
          {filter === 'all' ? 'No items yet. Add your first one above.' : `No ${filter} items.`}
        </p>
      ) : (
        <ul className="item-list" data-testid="item-list" aria-label="Items">
          {list.entries.map((item) => (
            <ItemRow key={item.id} item={item} />
          ))}
        </ul>
      )}

      <LoadMore list={list} />
    </section>
  );
}

function ItemRow({ item }: { item: Item }) {
  const overdue = item.status === 'open' && item.dueDate !== null && item.dueDate < today();
  return (
    <li className={`item-row ${item.status}`} data-testid="item-row" data-item-id={item.id}>
      <Link to={`/items/${encodeURIComponent(item.id)}`} className="item-title">
        {item.title}
      </Link>
      <span className="item-meta">
        {item.dueDate && (
          <span className={overdue ? 'due overdue' : 'due'}>
            {overdue ? 'Overdue: ' : 'Due '}
            <time dateTime={item.dueDate}>{item.dueDate}</time>
          </span>
        )}
        <StatusBadge status={item.status} />
      </span>
    </li>
  );
}

export function CreateItemForm({ onCreated }: { onCreated: (item: Item) => void }) {
  const { api } = useServices();
  const [title, setTitle] = useState('');
  const [notes, setNotes] = useState('');
  const [dueDate, setDueDate] = useState('');
  const { busy, error, status, setError, setStatus, run } = useFormAction();
  const titleRef = useRef<HTMLInputElement>(null);
  // One key per submitted content: retrying after a failure reuses it, so the API creates one item.
  const keyRef = useRef<string | null>(null);

  const edited = () => {
    keyRef.current = null;
  };

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const t = title.trim();
    if (!t) {
      setError('Enter a title.');
      titleRef.current?.focus();
      return;
    }
    const key = (keyRef.current ??= newIdempotencyKey());
    await run(async () => {
      const item = await api.createItem(
        { title: t, ...(notes.trim() ? { notes } : {}), ...(dueDate ? { dueDate } : {}) },
        key,
      );
      keyRef.current = null;
      setTitle('');
      setNotes('');
      setDueDate('');
      setStatus(`Added “${item.title}”.`);
      onCreated(item);
      titleRef.current?.focus();
    });
  }

  return (
    <form className="card create-form" onSubmit={onSubmit} aria-label="New item" data-testid="create-form">
      <h2>New item</h2>
      <div className="field">
        <label htmlFor="new-title">Title</label>
        <input
          id="new-title"
          ref={titleRef}
          required
          maxLength={LIMITS.title}
          value={title}
          aria-invalid={error === 'Enter a title.' ? true : undefined}
          onChange={(e) => {
            setTitle(e.target.value);
            edited();
          }}
        />
      </div>
      <div className="field">
        <label htmlFor="new-notes">Notes (optional)</label>
        <textarea
          id="new-notes"
          rows={2}
          maxLength={LIMITS.notes}
          value={notes}
          onChange={(e) => {
            setNotes(e.target.value);
            edited();
          }}
        />
      </div>
      <div className="field">
        <label htmlFor="new-due">Due date (optional)</label>
        <input
          id="new-due"
          type="date"
          value={dueDate}
          onChange={(e) => {
            setDueDate(e.target.value);
            edited();
          }}
        />
      </div>
      {error && <ErrorMessage message={error} testId="create-error" />}
      <StatusMessage testId="create-status">{status}</StatusMessage>
      <SubmitButton busy={busy} busyLabel="Adding…">Add item</SubmitButton>
    </form>
  );
}
