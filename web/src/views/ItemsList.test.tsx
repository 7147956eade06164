import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fakeFetch, item, json, renderWithServices, servicesWith } from '../test/helpers';
import { ItemsList } from './ItemsList';

describe('ItemsList', () => {
  it('shows the first page, then appends the next one with "Load more"', async () => {
    const f = fakeFetch((c) =>
      c.url.searchParams.get('cursor') === 'p2'
        ? json({ items: [item({ id: 'i3', title: 'Third' })], nextCursor: null })
        : json({ items: [item({ id: 'i1', title: 'First' }), item({ id: 'i2', title: 'Second', status: 'done' })], nextCursor: 'p2' }),
    );
    renderWithServices(<ItemsList />, servicesWith(f.fetch));

    expect(screen.getByText('Loading items…')).toBeTruthy();
    const list = await screen.findByRole('list', { name: 'Items' });
    expect(within(list).getAllByRole('listitem').map((li) => li.querySelector('a')!.textContent)).toEqual([
      'First',
      'Second',
    ]);
    expect(screen.getByRole('link', { name: 'First' }).getAttribute('href')).toBe('/items/i1');
    expect(f.calls[0]!.url.searchParams.get('limit')).toBe('20');
    expect(f.calls[0]!.url.searchParams.has('cursor')).toBe(false);

    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await screen.findByRole('link', { name: 'Third' });
    expect(f.calls[1]!.url.searchParams.get('cursor')).toBe('p2');
    expect(screen.getAllByTestId('item-row')).toHaveLength(3);
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('filters by status through the URL and shows the empty state', async () => {
    const f = fakeFetch((c) =>
      c.url.searchParams.get('status') === 'done' ? json({ items: [], nextCursor: null }) : json({ items: [item()], nextCursor: null }),
    );
    renderWithServices(<ItemsList />, servicesWith(f.fetch));
    await screen.findByRole('link', { name: 'Buy milk' });

    await userEvent.selectOptions(screen.getByLabelText('Show'), 'done');
    expect(await screen.findByText('No done items.')).toBeTruthy();
    expect(window.location.search).toBe('?status=done');
    expect(f.calls.at(-1)!.url.searchParams.get('status')).toBe('done');
  });

  it('shows the API error message and retries', async () => {
    let fail = true;
    const f = fakeFetch(() =>
      fail
        ? json({ error: { code: 'internal', message: 'The database is unavailable.' } }, { status: 503 })
        : json({ items: [], nextCursor: null }),
    );
    renderWithServices(<ItemsList />, servicesWith(f.fetch));
    const alert = await screen.findByTestId('items-error');
    expect(alert.textContent).toContain('The database is unavailable.');

    fail = false;
    await userEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('No items yet. Add your first one above.')).toBeTruthy();
  });

  it('creates an item with an idempotency key and shows it first', async () => {
    const f = fakeFetch((c) =>
      c.method === 'POST'
        ? json(item({ id: 'new', title: (c.body as { title: string }).title }), { status: 201 })
        : json({ items: [item()], nextCursor: null }),
    );
    renderWithServices(<ItemsList />, servicesWith(f.fetch));
    await screen.findByRole('link', { name: 'Buy milk' });

    await userEvent.type(screen.getByLabelText('Title'), 'Write report');
    await userEvent.click(screen.getByRole('button', { name: 'Add item' }));

    await waitFor(() => expect(screen.getAllByTestId('item-row')).toHaveLength(2));
    expect(screen.getAllByTestId('item-row')[0]!.textContent).toContain('Write report');
    expect(screen.getByTestId('create-status').textContent).toContain('Added “Write report”.');
    const post = f.calls.find((c) => c.method === 'POST')!;
    expect(post.body).toEqual({ title: 'Write report' });
    expect(post.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect((screen.getByLabelText('Title') as HTMLInputElement).value).toBe('');
  });

  it('reuses the idempotency key when the same submit is retried after a failure', async () => {
    let posts = 0;
    const f = fakeFetch((c) => {
      if (c.method !== 'POST') return json({ items: [], nextCursor: null });
      posts++;
      return posts === 1
        ? json({ error: { code: 'unavailable', message: 'Try again later.' } }, { status: 503 })
        : json(item({ id: 'n' }), { status: 201 });
    });
    renderWithServices(<ItemsList />, servicesWith(f.fetch));
    await screen.findByTestId('items-empty');
    await userEvent.type(screen.getByLabelText('Title'), 'Once');
    await userEvent.click(screen.getByRole('button', { name: 'Add item' }));
    expect((await screen.findByTestId('create-error')).textContent).toContain('Try again later.');
    await userEvent.click(screen.getByRole('button', { name: 'Add item' }));
    await screen.findByTestId('item-list');
    const keys = f.calls.filter((c) => c.method === 'POST').map((c) => c.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
  });
});
