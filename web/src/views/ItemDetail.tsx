// "/items/:id": view and edit one item (If-Match on every change, conflict handling), complete,
// delete, and its attachments.

import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, ConflictError } from '../api/client';
import { LIMITS, type Item, type ItemPatch, type ItemStatus } from '../api/types';
import {
  ErrorMessage,
  Loading,
  PageHeading,
  StatusBadge,
  StatusMessage,
  formatDateTime,
  messageOf,
  useAnnounce,
} from '../components/ui';
import { Link, useRouter } from '../router';
import { useServices } from '../services';
import { useFormAction } from '../useFormAction';
import { Attachments } from './Attachments';

type Load = { state: 'loading' } | { state: 'error'; message: string; notFound: boolean } | { state: 'loaded'; item: Item };

export function ItemDetail({ id }: { id: string }) {
  const { api } = useServices();
  const [load, setLoad] = useState<Load>({ state: 'loading' });

  const fetchItem = useCallback(() => {
    let cancelled = false;
    setLoad({ state: 'loading' });
    api.getItem(id).then(
      (item) => !cancelled && setLoad({ state: 'loaded', item }),
      (err: unknown) =>
        !cancelled &&
        setLoad({
          state: 'error',
          message: messageOf(err),
          notFound: err instanceof ApiError && err.status === 404,
        }),
    );
    return () => {
      cancelled = true;
    };
  }, [api, id]);

  useEffect(() => fetchItem(), [fetchItem]);

  if (load.state === 'loading') return <Loading label="Loading item…" />;
  if (load.state === 'error') {
    return (
      <section>
        <PageHeading title={load.notFound ? 'Item not found' : 'Error'}>
          {load.notFound ? 'Item not found' : 'Could not load the item'}
        </PageHeading>
        {load.notFound ? (
          <p data-testid="item-not-found">This item does not exist or was deleted.</p>
        ) : (
          <ErrorMessage message={load.message} onRetry={fetchItem} testId="item-error" />
        )}
        <p>
          <Link to="/">Back to items</Link>
        </p>
      </section>
    );
  }
  return (
<ItemEditor key={load.item.id} initial={load.item} />
  );
}

interface FormValues {
  title: string;
  notes: string;
  status: ItemStatus;
  dueDate: string;
}

function valuesOf(item: Item): FormValues {
  return { title: item.title, notes: item.notes ?? '', status: item.status, dueDate: item.dueDate ?? '' };
}

/** The fields that differ from the saved item: PATCH is partial. */
export function diff(item: Item, v: FormValues): ItemPatch {
  const patch: ItemPatch = {};
  if (v.title.trim() !== item.title) patch.title = v.title.trim();
  if (v.notes !== (item.notes ?? '')) patch.notes = v.notes;
  if (v.status !== item.status) patch.status = v.status;
  if (v.dueDate !== (item.dueDate ?? '')) patch.dueDate = v.dueDate === '' ? null : v.dueDate;
  return patch;
}

export function ItemEditor({ initial }: { initial: Item }) {
  const { api } = useServices();
  const { navigate } = useRouter();
  const announce = useAnnounce();
  const [item, setItem] = useState(initial);
  const [values, setValues] = useState<FormValues>(() => valuesOf(initial));
  // What is being sent ('save', 'status', 'delete' or 'reload'); the buttons show which.
  const { busy, error, status, setError, setStatus, run } = useFormAction<'save' | 'status' | 'delete' | 'reload'>();
  const [conflict, setConflict] = useState<string | null>(null);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const titleRef = useRef<HTMLInputElement>(null);
  const conflictRef = useRef<HTMLDivElement>(null);
  const deleteRef = useRef<HTMLButtonElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);

  const patch = diff(item, values);
  const dirty = Object.keys(patch).length > 0;
  const titleError = values.title.trim() === '' ? 'Enter a title.' : null;

  useEffect(() => {
    if (conflict) conflictRef.current?.focus();
  }, [conflict]);
  const returnFocus = useRef(false);
  useEffect(() => {
    if (confirmingDelete) confirmRef.current?.focus();
    else if (returnFocus.current) deleteRef.current?.focus();
    returnFocus.current = false;
  }, [confirmingDelete]);

  const set = <K extends keyof FormValues>(key: K, value: FormValues[K]) => setValues((v) => ({ ...v, [key]: value }));

  function change(kind: 'save' | 'status', body: ItemPatch, done: string) {
    return run(
      async () => {
        const updated = await api.updateItem(item.id, body, item.version);
        setItem(updated);
        // Keep unsaved edits of other fields; the changed fields now match the saved item.
        setValues((v) => (kind === 'save' ? valuesOf(updated) : { ...v, status: updated.status }));
        setStatus(done);
      },
      {
        busy: kind,
        onError: (err) => {
          if (err instanceof ConflictError) setConflict(err.message);
          else setError(messageOf(err));
        },
      },
    );
  }

  function onSave(e: FormEvent) {
    e.preventDefault();
    if (titleError) {
      setError(titleError);
      titleRef.current?.focus();
      return;
    }
    if (!dirty) {
      setStatus('No changes to save.');
      return;
    }
    void change('save', patch, 'Saved.');
  }

  function toggleDone() {
    const next: ItemStatus = item.status === 'done' ? 'open' : 'done';
    void change('status', { status: next }, next === 'done' ? 'Marked as done.' : 'Reopened.');
  }

  const reloadLatest = () =>
    run(
      async () => {
        const latest = await api.getItem(item.id);
        setItem(latest);
        setValues(valuesOf(latest));
        setConflict(null);
        setStatus('Loaded the latest version. Make your changes again.');
        titleRef.current?.focus();
      },
      { busy: 'reload', keepStatus: true },
    );

  const onDelete = () =>
    run(
      async () => {
        await api.deleteItem(item.id);
        announce(`Deleted “${item.title}”.`);
        navigate('/');
        return 'left';
      },
      {
        busy: 'delete',
        keepStatus: true,
        onError: (err) => {
          setError(messageOf(err));
          setConfirmingDelete(false);
        },
      },
    );

  return (
    <section data-testid="item-detail">
      <p className="breadcrumb">
        <Link to="/">← All items</Link>
      </p>
      <div className="heading-row">
        <PageHeading title={item.title}>{item.title}</PageHeading>
        <StatusBadge status={item.status} />
      </div>
      <p className="meta">
        Created {formatDateTime(item.createdAt)} · Updated {formatDateTime(item.updatedAt)} · Version {item.version}
      </p>

      {conflict && (
        <div className="conflict" role="alert" data-testid="conflict" tabIndex={-1} ref={conflictRef}>
          <p>
            <strong>{conflict}</strong> Your changes were not saved. Reload the latest version, then make your changes
            again.
          </p>
          <button type="button" className="primary" onClick={reloadLatest} disabled={busy !== false}>
            {busy === 'reload' ? 'Reloading…' : 'Reload latest'}
          </button>
        </div>
      )}

      <form className="card" onSubmit={onSave} aria-label="Edit item" data-testid="edit-form">
        <div className="field">
          <label htmlFor="edit-title">Title</label>
          <input
            id="edit-title"
            ref={titleRef}
            required
            maxLength={LIMITS.title}
            value={values.title}
            aria-invalid={titleError ? true : undefined}
            aria-describedby="edit-title-count"
            onChange={(e) => set('title', e.target.value)}
          />
          <p id="edit-title-count" className="hint">
            {values.title.length}/{LIMITS.title}
          </p>
        </div>
        <div className="field">
          <label htmlFor="edit-notes">Notes</label>
          <textarea
            id="edit-notes"
            rows={6}
            maxLength={LIMITS.notes}
            value={values.notes}
            aria-describedby="edit-notes-count"
            onChange={(e) => set('notes', e.target.value)}
          />
          <p id="edit-notes-count" className="hint">
            {values.notes.length}/{LIMITS.notes}
          </p>
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor="edit-status">Status</label>
            <select id="edit-status" value={values.status} onChange={(e) => set('status', e.target.value as ItemStatus)}>
              <option value="open">Open</option>
              <option value="done">Done</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="edit-due">Due date</label>
            <input id="edit-due" type="date" value={values.dueDate} onChange={(e) => set('dueDate', e.target.value)} />
          </div>
        </div>
        {error && <ErrorMessage message={error} testId="edit-error" />}
        <StatusMessage testId="edit-status-message">{status}</StatusMessage>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy !== false || conflict !== null}>
            {busy === 'save' ? 'Saving…' : 'Save changes'}
          </button>
          <button type="button" onClick={toggleDone} disabled={busy !== false || conflict !== null}>
            {busy === 'status' ? 'Updating…' : item.status === 'done' ? 'Reopen' : 'Mark as done'}
          </button>
          {!confirmingDelete && (
            <button
              type="button"
              className="danger"
              ref={deleteRef}
              onClick={() => setConfirmingDelete(true)}
              disabled={busy !== false}
            >
              Delete…
            </button>
          )}
        </div>
        {confirmingDelete && (
          <div className="confirm-delete" role="group" aria-labelledby="confirm-delete-text" data-testid="confirm-delete">
            <p id="confirm-delete-text">Delete “{item.title}” and its attachments? This cannot be undone.</p>
            <button type="button" className="danger" ref={confirmRef} onClick={onDelete} disabled={busy !== false}>
              {busy === 'delete' ? 'Deleting…' : 'Delete item'}
            </button>
            <button
              type="button"
              onClick={() => {
                returnFocus.current = true;
                setConfirmingDelete(false);
              }}
              disabled={busy === 'delete'}
            >
              Cancel
            </button>
          </div>
        )}
      </form>

      <Attachments itemId={item.id} />
    </section>
  );
}
