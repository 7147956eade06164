// Items: create, edit, complete, filter and delete; attachments; the activity feed.

import assert from 'node:assert/strict';
import {
  backToItems,
  completeItem,
  createItem,
  deleteItem,
  detailStatus,
  expectItems,
  expectPath,
  expectText,
  filterItems,
  heading,
  itemRow,
  openItem,
  signIn,
  waitForActivity,
} from './app.mjs';
import { e2eSuite, screenshot } from './suite.mjs';
import { createUser } from './users.mjs';

const { test } = e2eSuite();

/** A 1×1 PNG: an allowed attachment type (image/png). */
const PIXEL_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * YYYY-MM-DD, `days` from today (UTC).
 * @param {number} days
 */
function dateIn(days) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

const LIFECYCLE = 'an item is created, renamed, completed and deleted, and the list and status filter follow';

test(LIFECYCLE, async ({ stack, page }) => {
  await signIn(page, await createUser(stack, 'e2e-items'));
  await expectItems(page, []);

  const title = 'Water the plants';
  const renamed = 'Water the plants and the lawn';
  const id = await createItem(page, title, { notes: 'The ferns need more.' });
  await expectItems(page, [title]);
  assert.equal(await itemRow(page, title).getByTestId('status-badge').textContent(), 'open');

  // Open items include it, done items do not.
  await filterItems(page, 'open');
  await expectItems(page, [title]);
  await filterItems(page, 'done');
  await expectItems(page, []);
  await expectText(page.getByTestId('items-empty'), 'No done items.');
  await filterItems(page, 'all');
  await expectItems(page, [title]);

  // Rename.
  await openItem(page, title, id);
  assert.equal(await page.getByLabel('Notes', { exact: true }).inputValue(), 'The ferns need more.');
  await expectText(detailStatus(page), 'open');
  await page.getByLabel('Title', { exact: true }).fill(renamed);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expectText(page.getByTestId('edit-status-message'), 'Saved.');
  await heading(page, renamed);
  await backToItems(page);
  await expectItems(page, [renamed]);

  // Complete: the filter moves it from "Open" to "Done".
  await openItem(page, renamed, id);
  await completeItem(page);
  await backToItems(page);
  await expectItems(page, [renamed]);
  await expectText(itemRow(page, renamed).getByTestId('status-badge'), 'done');
  await filterItems(page, 'open');
  await expectItems(page, []);
  await expectText(page.getByTestId('items-empty'), 'No open items.');
  await filterItems(page, 'done');
  await expectItems(page, [renamed]);

  // Delete, after first cancelling the confirmation once.
  await openItem(page, renamed, id);
  await page.getByRole('button', { name: 'Delete…', exact: true }).click();
  await page.getByTestId('confirm-delete').getByRole('button', { name: 'Cancel' }).click();
  await page.getByTestId('confirm-delete').waitFor({ state: 'detached' });
  await heading(page, renamed);
  await deleteItem(page, renamed);
  await expectItems(page, []);

  // Gone for good: its address is not found.
  await page.goto(`/items/${id}`);
  await heading(page, 'Item not found');
  await page.getByTestId('item-not-found').waitFor();
});

test('an uploaded attachment becomes ready', async ({ stack, page }) => {
  await signIn(page, await createUser(stack, 'e2e-attach'));
  const title = 'Plan the team offsite';
  await createItem(page, 'Book the venue', { dueDate: dateIn(14) });
  await createItem(page, 'Send the invitations', { notes: 'Everyone on the team list.' });
  const id = await createItem(page, title, { notes: 'Agenda, travel and budget.', dueDate: dateIn(30) });
  await expectItems(page, [title, 'Send the invitations', 'Book the venue']);
  await screenshot(page, 'items-list');

  await openItem(page, title, id);
  await page.getByTestId('attachments-empty').waitFor();
  await page
    .getByLabel('Add an attachment')
    .setInputFiles({ name: 'pixel.png', mimeType: 'image/png', buffer: PIXEL_PNG });

  const row = page.getByTestId('attachment-row').filter({ hasText: 'pixel.png' });
  await row.waitFor();
  // The app polls every 2 s while the attachment is pending; the worker checks the object first.
  await page
    .locator('[data-testid="attachment-row"][data-status="ready"]', { hasText: 'pixel.png' })
    .waitFor({ timeout: 30_000 })
    .catch(async (err) => {
      const status = await row.getAttribute('data-status');
      throw new Error(`pixel.png did not become ready: its row's data-status is "${status}" (${err.message})`);
    });
  await expectText(row.getByTestId('status-badge'), 'ready');
  await expectText(row.locator('.file-size'), `${PIXEL_PNG.length} B`);
  await expectText(page.getByTestId('attachments-status'), 'pixel.png is ready.');
  assert.equal(await page.getByTestId('attachment-row').count(), 1, 'exactly one attachment row');
  await screenshot(page, 'item-detail');

  // Still ready after a reload (stored, not just client state).
  await page.reload();
  await page.locator('[data-testid="attachment-row"][data-status="ready"]', { hasText: 'pixel.png' }).waitFor();

  await waitForActivity(page, `Attachment "pixel.png" is ready`, (s) => s.includes('Attachment "pixel.png" is ready'));
});

test('the activity feed lists created, completed and deleted entries, newest first', async ({ stack, page }) => {
  await signIn(page, await createUser(stack, 'e2e-activity'));
  await page.getByRole('link', { name: 'Activity', exact: true }).click();
  await expectPath(page, '/activity');
  await page.getByTestId('activity-empty').waitFor();

  await page.getByRole('link', { name: 'Items', exact: true }).click();
  await heading(page, 'Items');
  const kept = 'Renew the passport';
  const gone = 'Return the library books';
  await createItem(page, kept, { dueDate: dateIn(60) });
  const id = await createItem(page, gone);
  await openItem(page, gone, id);
  await completeItem(page);
  await deleteItem(page, gone);
  await expectItems(page, [kept]);

  const expected = [`Deleted "${gone}"`, `Completed "${gone}"`, `Created "${gone}"`, `Created "${kept}"`];
  const summaries = await waitForActivity(page, JSON.stringify(expected), (s) => expected.every((e) => s.includes(e)));
  assert.deepEqual(
    summaries.filter((s) => expected.includes(s)),
    expected,
    `newest first; the feed shows ${JSON.stringify(summaries)}`,
  );
  await expectText(page.getByTestId('activity-row').first().locator('.activity-type'), 'item.deleted');
  await screenshot(page, 'activity');

  // An entry links to its item.
  await page.getByTestId('activity-row').getByRole('link', { name: `Created "${kept}"` }).click();
  await heading(page, kept);
});
