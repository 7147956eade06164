// Accounts: sign up, confirm with the mailed code, sign in, sign out.

import assert from 'node:assert/strict';
import { expectItems, expectPath, expectText, finishSignIn, heading, signIn } from './app.mjs';
import { e2eSuite, screenshot } from './suite.mjs';
import { PASSWORD, confirmationCode, createUser, uniqueEmail } from './users.mjs';

const { test } = e2eSuite();

test('a new user signs up, confirms with the mailed code and signs in', async ({ stack, page }) => {
  // A signed-out visitor of the items page is sent to sign-in.
  await page.goto('/');
  await expectPath(page, '/signin');
  await heading(page, 'Sign in');
  await screenshot(page, 'signin');

  await page.getByRole('link', { name: 'Create an account' }).click();
  await expectPath(page, '/signup');
  await heading(page, 'Create an account');
  const email = uniqueEmail('e2e-signup');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();

  await expectPath(page, `/confirm?email=${encodeURIComponent(email)}`);
  await heading(page, 'Confirm your account');
  const carried = await page.getByLabel('Email', { exact: true }).inputValue();
  assert.equal(carried, email, 'the confirm form carries the email over');
  const code = await confirmationCode(stack, email);
  await page.getByLabel('Confirmation code').fill(code);
  await page.getByRole('button', { name: 'Confirm', exact: true }).click();

  await expectPath(page, `/signin?email=${encodeURIComponent(email)}&confirmed=1`);
  await expectText(page.getByTestId('signin-notice'), 'Your account is confirmed. Sign in to continue.');
  const prefilled = await page.getByLabel('Email', { exact: true }).inputValue();
  assert.equal(prefilled, email, 'the sign-in form carries the email over');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  // Where the pool requires MFA (Prod), this is where the authenticator app is set up.
  await finishSignIn(page, { email, password: PASSWORD });

  await expectPath(page, '/');
  await expectText(page.getByTestId('user-email'), email);
  await heading(page, 'Items');
  await expectItems(page, []);
});

test('sign-up refuses a weak password and sign-in refuses a wrong one', async ({ stack, page }) => {
  await page.goto('/signup');
  await heading(page, 'Create an account');
  await page.getByLabel('Email', { exact: true }).fill(uniqueEmail('e2e-weak'));
  await page.getByLabel('Password', { exact: true }).fill('password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('signup-error').waitFor();
  await expectPath(page, '/signup');

  const user = await createUser(stack, 'e2e-wrongpw');
  await page.goto('/signin');
  await heading(page, 'Sign in');
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(`${user.password}-not`);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('signin-error').waitFor();
  await expectPath(page, '/signin');
  assert.equal(await page.getByTestId('user-email').count(), 0, 'no signed-in header after a refused sign-in');
});

test('signing out returns to sign-in and forgets the session', async ({ stack, page }) => {
  const user = await createUser(stack, 'e2e-signout');
  await signIn(page, user);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectPath(page, '/signin');
  await heading(page, 'Sign in');
  await expectText(page.getByTestId('announcement'), 'Signed out.');
  assert.equal(await page.getByTestId('user-email').count(), 0, 'the signed-in header is gone');
  assert.equal(
    await page.evaluate(() => sessionStorage.getItem('stratus.session')),
    null,
    'the tokens are gone from sessionStorage',
  );

  // Still signed out after a reload; a protected page sends the visitor to sign-in and back.
  await page.goto('/activity');
  await expectPath(page, `/signin?next=${encodeURIComponent('/activity')}`);
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await finishSignIn(page, user);
  await expectPath(page, '/activity');
  await heading(page, 'Activity');
  await expectText(page.getByTestId('user-email'), user.email);
});
