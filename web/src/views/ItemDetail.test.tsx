import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Item } from '../api/types';
import { fakeFetch, item, json, renderWithServices, servicesWith, type Call } from '../test/helpers';
import { ItemDetail } from './ItemDetail';

/** A server holding one item; `onPatch` decides each PATCH's answer. */
function server(initial: Item, onPatch: (c: Call, current: Item) => Response) {
  const current = initial;
  return fakeFetch((c) => {
    if (c.url.pathname.endsWith('/attachments')) return json({ attachments: [] });
    if (c.method === 'GET') return json(current, { headers: { ETag: `"${current.version}"` } });
    if (c.method === 'PATCH') return onPatch(c, current);
    if (c.method === 'DELETE') return new Response(null, { status: 204 });
    return json({}, { status: 500 });
  });
}

describe('ItemDetail', () => {
  it('saves only the changed fields with If-Match and shows the saved version', async () => {
    const f = server(item({ version: 3 }), (c, cur) =>
      json({ ...cur, ...(c.body as object), version: cur.version + 1 }),
    );
    renderWithServices(<ItemDetail id="i1" />, servicesWith(f.fetch), '/items/i1');

    const title = await screen.findByLabelText('Title');
    await userEvent.clear(title);
    await userEvent.type(title, 'Buy oat milk');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));

    expect((await screen.findByTestId('edit-status-message')).textContent).toBe('Saved.');
    const patch = f.calls.find((c) => c.method === 'PATCH')!;
    expect(patch.headers['if-match']).toBe('"3"');
    expect(patch.body).toEqual({ title: 'Buy oat milk' });
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Buy oat milk');
    expect(screen.getByText(/Version 4/)).toBeTruthy();
  });

  it('shows a conflict on 412, keeps the edits, and reloads the latest version on request', async () => {
    let theirs: Item | null = null;
    const f = fakeFetch((c) => {
      if (c.url.pathname.endsWith('/attachments')) return json({ attachments: [] });
      if (c.method === 'GET') return json(theirs ?? item({ version: 1 }));
      // Someone else saved version 2 meanwhile.
      theirs = item({ title: 'Buy milk and bread', version: 2 });
      return json({ error: { code: 'precondition_failed', message: 'This item was changed elsewhere.' } }, { status: 412 });
    });
    renderWithServices(<ItemDetail id="i1" />, servicesWith(f.fetch), '/items/i1');

    const notes = await screen.findByLabelText('Notes');
    await userEvent.type(notes, 'my edit');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));

    const conflict = await screen.findByTestId('conflict');
    expect(conflict.getAttribute('role')).toBe('alert');
    expect(conflict.textContent).toContain('This item was changed elsewhere.');
    expect(conflict.textContent).toContain('Your changes were not saved.');
    await waitFor(() => expect(document.activeElement).toBe(conflict));
    expect((screen.getByLabelText('Notes') as HTMLTextAreaElement).value).toBe('my edit');
    expect((screen.getByRole('button', { name: 'Save changes' }) as HTMLButtonElement).disabled).toBe(true);
    expect(f.calls.find((c) => c.method === 'PATCH')!.headers['if-match']).toBe('"1"');

    await userEvent.click(screen.getByRole('button', { name: 'Reload latest' }));
    await waitFor(() => expect(screen.queryByTestId('conflict')).toBeNull());
    expect((screen.getByLabelText('Title') as HTMLInputElement).value).toBe('Buy milk and bread');
    expect((screen.getByLabelText('Notes') as HTMLTextAreaElement).value).toBe('');
    expect(screen.getByText(/Version 2/)).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Save changes' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('marks an item as done with the current version', async () => {
    const f = server(item({ version: 5 }), (c, cur) => json({ ...cur, ...(c.body as object), version: 6 }));
    renderWithServices(<ItemDetail id="i1" />, servicesWith(f.fetch), '/items/i1');
    await userEvent.click(await screen.findByRole('button', { name: 'Mark as done' }));
    expect(await screen.findByRole('button', { name: 'Reopen' })).toBeTruthy();
    const patch = f.calls.find((c) => c.method === 'PATCH')!;
    expect(patch.body).toEqual({ status: 'done' });
    expect(patch.headers['if-match']).toBe('"5"');
  });

  it('deletes only after confirmation, then returns to the list', async () => {
    const f = server(item(), () => json({}, { status: 500 }));
    renderWithServices(<ItemDetail id="i1" />, servicesWith(f.fetch), '/items/i1');
    await userEvent.click(await screen.findByRole('button', { name: 'Delete…' }));
    expect(f.calls.some((c) => c.method === 'DELETE')).toBe(false);
    const confirm = screen.getByRole('button', { name: 'Delete item' });
    await waitFor(() => expect(document.activeElement).toBe(confirm));
    await userEvent.click(confirm);
    await waitFor(() => expect(window.location.pathname).toBe('/'));
    expect(f.calls.find((c) => c.method === 'DELETE')!.url.pathname).toBe('/prod/items/i1');
  });

  it('shows "not found" for a missing item', async () => {
    const f = fakeFetch(() => json({ error: { code: 'not_found', message: 'item not found' } }, { status: 404 }));
    renderWithServices(<ItemDetail id="nope" />, servicesWith(f.fetch), '/items/nope');
    expect(await screen.findByTestId('item-not-found')).toBeTruthy();
  });
});
