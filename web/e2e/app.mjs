// Page helpers for the Stratus views, by the accessible names and data-testids that web/README.md
// lists (see src/views/*.tsx). Every helper waits on visible state and fails saying what it expected
// and what it saw.

import jsQR from 'jsqr';
import { nextCode } from './totp.mjs';
import { eventually } from './wait.mjs';

/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('playwright-core').Locator} Locator */
/** @typedef {import('./users.mjs').User} User */

/**
 * Waits until the single element of `locator` has exactly `expected` as its (trimmed) text.
 * @param {Locator} locator
 * @param {string} expected
 * @param {{timeout?: number}} [opts]
 */
export async function expectText(locator, expected, opts) {
  await eventually(
    `${locator} to read ${JSON.stringify(expected)}`,
    async () => (await locator.textContent({ timeout: 1_000 }))?.trim(),
    (text) => text === expected,
    opts,
  );
}

/**
 * Waits until the page's path and query are `expected`, e.g. "/confirm?email=a%40b.c".
 * @param {Page} page
 * @param {string | RegExp} expected
 */
export async function expectPath(page, expected) {
  await eventually(
    `the address to be ${expected}`,
    async () => {
      const u = new URL(page.url());
      return u.pathname + u.search;
    },
    (p) => (typeof expected === 'string' ? p === expected : expected.test(p)),
  );
}

/**
 * Waits for the page's <h1>.
 * @param {Page} page
 * @param {string} name
 */
export function heading(page, name) {
  return page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
}

/**
 * Waits for `expected`, failing at once with the page's message when `error` shows instead.
 * @param {string} what what was being done, for the failure message
 * @param {Locator} expected
 * @param {Locator} error
 */
export async function expectOrError(what, expected, error) {
  await expected.or(error).first().waitFor();
  if (await error.isVisible()) throw new Error(`${what}: the page shows ${JSON.stringify((await error.textContent())?.trim())}`);
}

/**
 * Signs in through the sign-in page and waits for the signed-in header, answering the
 * authenticator-app step the pool asks for (see finishSignIn).
 * @param {Page} page
 * @param {User} user
 */
export async function signIn(page, user) {
  await page.goto('/signin');
  await heading(page, 'Sign in');
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await finishSignIn(page, user);
  await expectPath(page, '/');
}

/**
 * The sign-in step the page shows after the password: 'signedIn', 'setup' (MFA_SETUP: set up an
 * authenticator app), 'code' (SOFTWARE_TOKEN_MFA) or 'error' (the form's error).
 * @param {Page} page
 * @returns {Promise<'signedIn' | 'setup' | 'code' | 'error'>}
 */
export async function signInStep(page) {
  const steps = /** @type {const} */ ([
    ['signedIn', page.getByTestId('user-email')],
    ['setup', page.getByRole('heading', { level: 1, name: 'Set up two-step sign-in', exact: true })],
    ['code', page.getByRole('heading', { level: 1, name: 'Enter your sign-in code', exact: true })],
    ['error', page.getByTestId('signin-error')],
  ]);
  return eventually(
    'the page to show a sign-in step (signed in, set up an authenticator app, code prompt or an error)',
    async () => {
      for (const [name, locator] of steps) if (await locator.isVisible()) return name;
      return 'nothing yet';
    },
    (step) => step !== 'nothing yet',
  );
}

/**
 * After the password was sent: sets up the authenticator app when the pool demands it (keeping
 * the key the page shows in `user.totpSecret`), or enters a code when it asks, then waits for the
 * signed-in header. A refused sign-in fails with the page's message.
 * @param {Page} page
 * @param {User} user
 */
export async function finishSignIn(page, user) {
  const step = await signInStep(page);
  if (step === 'error') throw new Error(`sign-in of ${user.email} refused: ${await page.getByTestId('signin-error').textContent()}`);
  if (step === 'setup') {
    await setUpAuthenticator(page, user, 'Verify and sign in');
    await expectOrError(`setting up the authenticator app of ${user.email}`, page.getByTestId('user-email'), page.getByTestId('setup-error'));
  }
  if (step === 'code') {
    await enterSignInCode(page, user);
    await expectOrError(`the sign-in code of ${user.email}`, page.getByTestId('user-email'), page.getByTestId('totp-error'));
  }
  await expectText(page.getByTestId('user-email'), user.email);
}

/**
 * Reads the key of the authenticator-app setup on the page (sign-in's MFA_SETUP step or the account
 * page's), as a person would copy it, into `user.totpSecret`.
 * @param {Page} page
 * @param {User} user
 */
export async function readAuthenticatorKey(page, user) {
  const shown = await page.getByTestId('totp-secret').textContent();
  const secret = (shown ?? '').replace(/\s+/g, '');
  if (!/^[A-Z2-7]{16,}$/.test(secret)) throw new Error(`the page shows no base32 key: ${JSON.stringify(shown)}`);
  // The QR code, read as a phone would, carries the same key for this account.
  const uri = new URL(await scanQrCode(page));
  const label = decodeURIComponent(uri.pathname.replace(/^\/+/, ''));
  if (uri.protocol !== 'otpauth:' || uri.host !== 'totp' || uri.searchParams.get('secret') !== secret) {
    throw new Error(`the QR code reads ${uri}, not an otpauth://totp/ URI with the key shown (${secret})`);
  }
  if (label !== `Stratus:${user.email}` || uri.searchParams.get('issuer') !== 'Stratus') {
    throw new Error(`the QR code's account is ${JSON.stringify(label)} (issuer ${uri.searchParams.get('issuer')}), want Stratus:${user.email}`);
  }
  if (user.totpSecret !== secret) {
    user.totpSecret = secret;
    user.totpLastStep = undefined; // a new key: no code of it used yet
  }
  return secret;
}

/**
 * Decodes the QR code the page shows (data-testid totp-qr): the SVG drawn on a canvas in the page,
 * its pixels decoded here with jsQR.
 * @param {Page} page
 * @returns {Promise<string>}
 */
export async function scanQrCode(page) {
  const qr = page.getByRole('img', { name: 'QR code with the key for your authenticator app' });
  await qr.waitFor();
  const image = await qr.evaluate(async (svg) => {
    const size = 400;
    const img = new Image();
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(svg))}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = size;
    canvas.height = size;
    const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, size, size);
    ctx.drawImage(img, 0, 0, size, size);
    return { width: size, height: size, data: Array.from(ctx.getImageData(0, 0, size, size).data) };
  });
  const found = jsQR(Uint8ClampedArray.from(image.data), image.width, image.height);
  if (!found) throw new Error('the QR code on the page does not decode');
  return found.data;
}

/**
 * Sets up an authenticator app on the setup form the page shows: reads the key, enters a code
 * computed from it and submits with `button`.
 * @param {Page} page
 * @param {User} user
 * @param {string} button 'Verify and sign in' (sign-in) or 'Turn on' (account page)
 */
export async function setUpAuthenticator(page, user, button) {
  await readAuthenticatorKey(page, user);
  await page.getByLabel('Code from your authenticator app', { exact: true }).fill(await nextCode(user));
  await page.getByRole('button', { name: button, exact: true }).click();
}

/**
 * Answers the sign-in code prompt with the user's next authenticator code.
 * @param {Page} page
 * @param {User} user
 */
export async function enterSignInCode(page, user) {
  await heading(page, 'Enter your sign-in code');
  await page.getByLabel('Code from your authenticator app', { exact: true }).fill(await nextCode(user));
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
}

// ---- Items list ---------------------------------------------------------------------------------

/**
 * The list row whose title link is exactly `title`.
 * @param {Page} page
 * @param {string} title
 */
export function itemRow(page, title) {
  return page.getByTestId('item-row').filter({ has: page.getByRole('link', { name: title, exact: true }) });
}

/**
 * Waits until the items list shows exactly `titles`, in this order (newest first); `[]` means the
 * empty message is shown. A list that is still loading matches nothing.
 * @param {Page} page
 * @param {string[]} titles
 */
export async function expectItems(page, titles) {
  await eventually(
    `the items list to show ${JSON.stringify(titles)}`,
    async () => {
      if (await page.getByTestId('items-empty').isVisible()) return [];
      if (await page.getByTestId('items-error').isVisible()) {
        return `error: ${await page.getByTestId('items-error').textContent()}`;
      }
      if (!(await page.getByTestId('item-list').isVisible())) return 'not loaded';
      return page.getByTestId('item-row').getByRole('link').allTextContents();
    },
    (shown) => JSON.stringify(shown) === JSON.stringify(titles),
  );
}

/**
 * Chooses "All items", "Open" or "Done" in the status filter and waits for the address to follow.
 * @param {Page} page
 * @param {'all' | 'open' | 'done'} status
 */
export async function filterItems(page, status) {
  await page.getByLabel('Show', { exact: true }).selectOption(status);
  await expectPath(page, status === 'all' ? '/' : `/?status=${status}`);
}

/**
 * Adds an item with the create form of the items page and returns its id (from its list row).
 * @param {Page} page
 * @param {string} title
 * @param {{notes?: string, dueDate?: string}} [more] dueDate as YYYY-MM-DD
 */
export async function createItem(page, title, { notes, dueDate } = {}) {
  const form = page.getByTestId('create-form');
  await form.getByLabel('Title', { exact: true }).fill(title);
  if (notes) await form.getByLabel('Notes (optional)').fill(notes);
  if (dueDate) await form.getByLabel('Due date (optional)').fill(dueDate);
  await form.getByRole('button', { name: 'Add item' }).click();
  await expectText(page.getByTestId('create-status'), `Added “${title}”.`);
  const row = itemRow(page, title);
  await row.waitFor();
  const id = await row.getAttribute('data-item-id');
  if (!id) throw new Error(`the row of "${title}" has no data-item-id`);
  return id;
}

// ---- Item detail --------------------------------------------------------------------------------

/**
 * Opens an item from the items list and waits for its detail view.
 * @param {Page} page
 * @param {string} title
 * @param {string} id
 */
export async function openItem(page, title, id) {
  await itemRow(page, title).getByRole('link', { name: title, exact: true }).click();
  await expectPath(page, `/items/${id}`);
  await heading(page, title);
  await page.getByTestId('edit-form').waitFor();
}

/**
 * The status badge next to the detail view's heading.
 * @param {Page} page
 */
export function detailStatus(page) {
  return page.getByTestId('item-detail').locator('.heading-row').getByTestId('status-badge');
}

/**
 * Marks the open item as done from its detail view.
 * @param {Page} page
 */
export async function completeItem(page) {
  await page.getByRole('button', { name: 'Mark as done' }).click();
  await expectText(page.getByTestId('edit-status-message'), 'Marked as done.');
  await expectText(detailStatus(page), 'done');
  await page.getByRole('button', { name: 'Reopen' }).waitFor();
}

/**
 * Deletes the open item from its detail view (through the confirmation step) and waits for the
 * items page.
 * @param {Page} page
 * @param {string} title
 */
export async function deleteItem(page, title) {
  await page.getByRole('button', { name: 'Delete…', exact: true }).click();
  const confirm = page.getByTestId('confirm-delete');
  await expectText(confirm.locator('p'), `Delete “${title}” and its attachments? This cannot be undone.`);
  await confirm.getByRole('button', { name: 'Delete item' }).click();
  await expectPath(page, '/');
  await expectText(page.getByTestId('announcement'), `Deleted “${title}”.`);
}

/**
 * Goes back from a detail view to the items list with the breadcrumb link.
 * @param {Page} page
 */
export async function backToItems(page) {
  await page.getByRole('link', { name: '← All items' }).click();
  await expectPath(page, '/');
  await heading(page, 'Items');
}

// ---- Activity -----------------------------------------------------------------------------------

/**
 * Opens the activity page and reloads it until its summaries (newest first) satisfy `check`:
 * the worker records activity asynchronously, and the page does not poll.
 * @param {Page} page
 * @param {string} description what the feed should show
 * @param {(summaries: string[]) => boolean} check
 * @returns {Promise<string[]>} the summaries shown
 */
export async function waitForActivity(page, description, check) {
  await page.getByRole('link', { name: 'Activity', exact: true }).click();
  await expectPath(page, '/activity');
  let first = true;
  const shown = await eventually(
    `the activity feed to show ${description}`,
    async () => {
      if (!first) await page.reload();
      first = false;
      await page
        .getByTestId('activity-list')
        .or(page.getByTestId('activity-empty'))
        .or(page.getByTestId('activity-error'))
        .waitFor();
      if (await page.getByTestId('activity-error').isVisible()) {
        return `error: ${await page.getByTestId('activity-error').textContent()}`;
      }
      return page.getByTestId('activity-row').locator('.summary').allTextContents();
    },
    (summaries) => Array.isArray(summaries) && check(summaries),
    { timeout: 15_000, interval: 500 },
  );
  return /** @type {string[]} */ (shown);
}
