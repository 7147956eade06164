// Users see only their own data.

import { createItem, expectItems, expectPath, expectText, heading, signIn } from './app.mjs';
import { e2eSuite } from './suite.mjs';
import { createUser } from './users.mjs';

const { test } = e2eSuite();

test("a second user sees none of the first user's items, and the first user's item address is not found", async ({
  stack,
  page: first,
  newPage,
}) => {
  const alice = await createUser(stack, 'e2e-alice');
  await signIn(first, alice);
  const title = "Alice's private plans";
  const id = await createItem(first, title, { notes: 'Nobody else may read this.' });
  await expectItems(first, [title]);

  // Bob signs in in another browser context (no shared storage).
  const second = await newPage();
  const bob = await createUser(stack, 'e2e-bob');
  await signIn(second, bob);
  await expectItems(second, []);
  await expectText(second.getByTestId('items-empty'), 'No items yet. Add your first one above.');

  await second.goto(`/items/${id}`);
  await expectPath(second, `/items/${id}`);
  await heading(second, 'Item not found');
  await expectText(second.getByTestId('item-not-found'), 'This item does not exist or was deleted.');
  await expectText(second.getByTestId('user-email'), bob.email);

  await second.goto('/activity');
  await heading(second, 'Activity');
  await second.getByTestId('activity-empty').waitFor();

  // Bob's own item is his alone, and Alice still has hers.
  await second.goto('/');
  await heading(second, 'Items');
  await createItem(second, "Bob's shopping list");
  await expectItems(second, ["Bob's shopping list"]);
  await first.reload();
  await expectItems(first, [title]);
  await expectText(first.getByTestId('user-email'), alice.email);
});
