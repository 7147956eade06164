// Sign-in as the stage's user pool has it (issue 27): the authenticator app (required where the
// pool's MFA is ON, chosen on the account page where it is OPTIONAL), codes, a forgotten password,
// and signing out everywhere. Every branch follows the running stack's config.json `mfa`, not the
// stage's name, so the same suite proves each stage.

import assert from 'node:assert/strict';
import {
  createItem,
  enterSignInCode,
  expectItems,
  expectOrError,
  expectPath,
  expectText,
  finishSignIn,
  heading,
  readAuthenticatorKey,
  setUpAuthenticator,
  signIn,
  signInStep,
} from './app.mjs';
import { e2eSuite, screenshot } from './suite.mjs';
import { nextCode, wrongCode } from './totp.mjs';
import { PASSWORD, cognitoAnswer, confirmationCode, createUser, mailTo, uniqueEmail } from './users.mjs';

/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('./users.mjs').User} User */
/** @typedef {import('./stack.mjs').Stack} Stack */

const { test } = e2eSuite();

/**
 * The pool's MfaConfiguration as the running stack's /config.json says it.
 * @param {Stack} stack
 * @returns {'OFF' | 'OPTIONAL' | 'ON'}
 */
function poolMfa(stack) {
  const mfa = stack.config.mfa;
  if (mfa !== 'OFF' && mfa !== 'OPTIONAL' && mfa !== 'ON') {
    throw new Error(`the local stack's config.json has no usable "mfa" (got ${JSON.stringify(mfa)}); want OFF, OPTIONAL or ON`);
  }
  return mfa;
}

/**
 * Types the password on the sign-in page (already open) and submits it.
 * @param {Page} page
 * @param {User} user
 */
async function submitPassword(page, user) {
  await heading(page, 'Sign in');
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/**
 * Opens the account page from the header.
 * @param {Page} page
 */
async function openAccount(page) {
  await page.getByRole('link', { name: 'Account', exact: true }).click();
  await expectPath(page, '/account');
  await heading(page, 'Account');
}

/**
 * Turns the authenticator app on from the account page (where the pool makes MFA optional),
 * first with a wrong code, which is refused and shown.
 * @param {Page} page
 * @param {User} user
 */
async function turnOnFromAccount(page, user) {
  await expectText(page.getByTestId('mfa-status'), 'Off');
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await expectOrError('setting up an authenticator app', page.getByTestId('totp-secret'), page.getByTestId('mfa-error'));
  await readAuthenticatorKey(page, user);
  const code = page.getByLabel('Code from your authenticator app', { exact: true });
  await code.fill(wrongCode(user));
  await page.getByRole('button', { name: 'Turn on', exact: true }).click();
  await expectText(
    page.getByTestId('mfa-error'),
    'That code does not match. Check that your authenticator app has the key shown here, then enter the code it shows now.',
  );
  await expectText(page.getByTestId('mfa-status'), 'Off');
  await setUpAuthenticator(page, user, 'Turn on');
  await expectOrError('turning the authenticator app on', page.getByTestId('mfa-status').filter({ hasText: 'On' }), page.getByTestId('mfa-error'));
  await expectText(page.getByTestId('mfa-status'), 'On');
  await expectText(
    page.getByTestId('mfa-status-message'),
    'Two-step sign-in is on. From now on, signing in asks for a code from your authenticator app.',
  );
}

/**
 * Signs out from the header and waits for the sign-in page.
 * @param {Page} page
 */
async function signOut(page) {
  await page.getByRole('banner').getByRole('button', { name: 'Sign out', exact: true }).click();
  await expectPath(page, '/signin');
  await heading(page, 'Sign in');
}

/**
 * This tab's saved session (what the app keeps in sessionStorage).
 * @param {Page} page
 * @returns {Promise<{refreshToken: string, accessToken: string, expiresAt: number}>}
 */
async function savedSession(page) {
  const raw = await page.evaluate(() => sessionStorage.getItem('stratus.session'));
  if (!raw) throw new Error('no session in sessionStorage');
  return JSON.parse(raw);
}

test('a new user signs up, sets up an authenticator app as the pool requires, uses the items, and signs in with a code', async ({
  stack,
  page,
}) => {
  const mfa = poolMfa(stack);

  // (1) Sign up and confirm with the code from the mailbox.
  await page.goto('/signup');
  await heading(page, 'Create an account');
  /** @type {User} */
  const user = { email: uniqueEmail('e2e-mfa'), password: PASSWORD };
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await heading(page, 'Confirm your account');
  await page.getByLabel('Confirmation code').fill(await confirmationCode(stack, user.email));
  await page.getByRole('button', { name: 'Confirm', exact: true }).click();
  await expectText(page.getByTestId('signin-notice'), 'Your account is confirmed. Sign in to continue.');

  // (2) The first sign-in: where MFA is required the authenticator app is set up now; elsewhere no prompt.
  await submitPassword(page, user);
  const first = await signInStep(page);
  if (mfa === 'ON') {
    assert.equal(first, 'setup', 'a pool that requires MFA has a new user set up an authenticator app');
    await readAuthenticatorKey(page, user);
    await screenshot(page, 'signin-mfa-setup');
    // A wrong code is refused and shown, and the same setup can be finished.
    await page.getByLabel('Code from your authenticator app', { exact: true }).fill(wrongCode(user));
    await page.getByRole('button', { name: 'Verify and sign in', exact: true }).click();
    await expectText(
      page.getByTestId('setup-error'),
      'That code does not match. Check that your authenticator app has the key shown here, then enter the code it shows now.',
    );
    await setUpAuthenticator(page, user, 'Verify and sign in');
  } else {
    assert.equal(first, 'signedIn', `no MFA prompt where the pool's MFA is ${mfa} and the user has not turned it on`);
  }
  await expectText(page.getByTestId('user-email'), user.email);
  await expectPath(page, '/');

  await openAccount(page);
  if (mfa === 'OFF') {
    assert.equal(await page.getByRole('heading', { name: 'Two-step sign-in' }).count(), 0, 'no MFA section where the pool has MFA off');
  } else if (mfa === 'ON') {
    await expectText(page.getByTestId('mfa-status'), 'On');
    await page.getByTestId('mfa-required').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Turn off two-step sign-in' }).count(), 0, 'MFA cannot be turned off where the pool requires it');
  } else {
    await turnOnFromAccount(page, user);
  }
  await screenshot(page, `account-mfa-${mfa.toLowerCase()}`);

  // A different authenticator app replaces the first one (which keeps working until the new one is verified).
  /** @type {User} */
  const oldApp = { ...user };
  if (mfa !== 'OFF') {
    await page.getByRole('button', { name: 'Use a different authenticator app' }).click();
    await expectOrError('replacing the authenticator app', page.getByTestId('totp-secret'), page.getByTestId('mfa-error'));
    await setUpAuthenticator(page, user, 'Use this app');
    await expectOrError(
      'verifying the new authenticator app',
      page.getByTestId('mfa-status-message').filter({ hasText: 'Your new authenticator app is set up.' }),
      page.getByTestId('mfa-error'),
    );
    assert.notEqual(user.totpSecret, oldApp.totpSecret, 'the new app has a new key');
    await expectText(page.getByTestId('mfa-status'), 'On');
  }

  // (3) The items page works for the signed-in user; then sign out.
  await page.getByRole('link', { name: 'Items', exact: true }).click();
  await heading(page, 'Items');
  const title = 'Renew the passport';
  await createItem(page, title);
  await expectItems(page, [title]);
  await signOut(page);

  // (4) Signing in again asks for a code; a wrong one is refused and shown, a right one signs in.
  await submitPassword(page, user);
  if (mfa === 'OFF') {
    assert.equal(await signInStep(page), 'signedIn');
  } else {
    assert.equal(await signInStep(page), 'code', 'signing in asks for the authenticator code');
    await screenshot(page, 'signin-code');
    const code = page.getByLabel('Code from your authenticator app', { exact: true });
    await code.fill(wrongCode(user));
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await expectText(page.getByTestId('totp-error'), 'That code is not correct. Enter the 6-digit code your authenticator app shows now.');
    assert.equal(await page.getByTestId('user-email').count(), 0, 'a wrong code does not sign in');
    assert.equal(await code.getAttribute('aria-invalid'), 'true');
    // A code of the replaced app is refused too, in the same sign-in.
    await code.fill(await nextCode(oldApp));
    const answered = page.waitForResponse((r) => r.request().headers()['x-amz-target']?.endsWith('.RespondToAuthChallenge') ?? false);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    assert.equal((await answered).status(), 400, "the replaced app's code is refused");
    await expectText(page.getByTestId('totp-error'), 'That code is not correct. Enter the 6-digit code your authenticator app shows now.');
    assert.equal(await page.getByTestId('user-email').count(), 0);
    await enterSignInCode(page, user);
  }
  await expectText(page.getByTestId('user-email'), user.email);
  await expectItems(page, [title]);

  // Where MFA is optional the user can turn it off again, and sign-in stops asking.
  if (mfa === 'OPTIONAL') {
    await openAccount(page);
    await expectText(page.getByTestId('mfa-status'), 'On');
    await page.getByRole('button', { name: 'Turn off two-step sign-in' }).click();
    await expectText(page.getByTestId('mfa-status'), 'Off');
    await signOut(page);
    await submitPassword(page, user);
    assert.equal(await signInStep(page), 'signedIn', 'no code prompt once the user turned MFA off');
  }
});

test('a forgotten password is reset with the mailed code; signing in with the new one still needs the code', async ({
  stack,
  page,
}) => {
  const mfa = poolMfa(stack);
  const user = await createUser(stack, 'e2e-forgot');
  await signIn(page, user); // sets up the authenticator app where the pool requires it
  if (mfa === 'OPTIONAL') {
    await openAccount(page);
    await turnOnFromAccount(page, user);
  }
  await signOut(page);

  // From the sign-in page, with the email carried over.
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expectPath(page, `/forgot-password?email=${encodeURIComponent(user.email)}`);
  await heading(page, 'Reset your password');
  assert.equal(await page.getByLabel('Email', { exact: true }).inputValue(), user.email);
  const before = (await mailTo(stack, user.email)).length;
  await page.getByRole('button', { name: 'Send code' }).click();
  await expectOrError('asking for a password-reset code', page.getByRole('heading', { level: 1, name: 'Choose a new password' }), page.getByTestId('forgot-error'));
  await confirmationCode(stack, user.email, { after: before });

  // "Resend code" mails another; the newest one is used.
  await page.getByRole('button', { name: 'Resend code' }).click();
  await expectOrError('resending the code', page.getByTestId('reset-status').filter({ hasText: /^A new code is on its way/ }), page.getByTestId('reset-error'));
  const code = await confirmationCode(stack, user.email, { after: before + 1 });
  await screenshot(page, 'reset-password');

  const newPassword = 'Another-Horse-7-staple';
  await page.getByLabel('Code from the email', { exact: true }).fill(code);
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expectOrError('setting the new password', page.getByTestId('signin-notice').filter({ hasText: 'Your password is changed.' }), page.getByTestId('reset-error'));
  await expectPath(page, `/signin?email=${encodeURIComponent(user.email)}&reset=1`);
  await expectText(page.getByTestId('signin-notice'), 'Your password is changed. Sign in with your new password.');

  // The old password no longer works; the new one does, and MFA still applies.
  await submitPassword(page, user);
  assert.equal(await signInStep(page), 'error', 'the old password is refused');
  user.password = newPassword;
  await submitPassword(page, user);
  if (mfa === 'OFF') {
    assert.equal(await signInStep(page), 'signedIn');
  } else {
    assert.equal(await signInStep(page), 'code', 'the new password does not skip the authenticator code');
    await enterSignInCode(page, user);
  }
  await expectText(page.getByTestId('user-email'), user.email);
});

test("signing out everywhere ends the user's other sessions: their refresh fails", async ({ stack, page, newPage }) => {
  const user = await createUser(stack, 'e2e-everywhere');
  await signIn(page, user);
  const other = await newPage();
  await signIn(other, user); // a second device: answers the code prompt where MFA is on
  const mine = await savedSession(page);
  const theirs = await savedSession(other);
  assert.notEqual(mine.refreshToken, theirs.refreshToken);

  await openAccount(page);
  // Changing the password (a wrong current one is refused) does not end the other session by itself.
  await page.getByLabel('Current password', { exact: true }).fill(`${user.password}-not`);
  await page.getByLabel('New password', { exact: true }).fill('Changed-Horse-3-battery');
  await page.getByRole('button', { name: 'Change password', exact: true }).click();
  await expectText(page.getByTestId('password-error'), 'Your current password is not correct.');
  await page.getByLabel('Current password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Change password', exact: true }).click();
  await expectOrError('changing the password', page.getByTestId('password-status').filter({ hasText: 'Your password is changed.' }), page.getByTestId('password-error'));
  user.password = 'Changed-Horse-3-battery';

  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expectOrError('signing out everywhere', page.getByRole('heading', { level: 1, name: 'Sign in' }), page.getByTestId('signout-error'));
  await expectPath(page, '/signin');
  await expectText(page.getByTestId('signin-notice'), 'You are signed out on every device. Sign in again to continue here.');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('stratus.session')), null);

  // Cognito refuses both sessions' refresh tokens now.
  for (const [who, refreshToken] of [
    ['this device', mine.refreshToken],
    ['the other device', theirs.refreshToken],
  ]) {
    const answer = await cognitoAnswer(stack, 'InitiateAuth', {
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      ClientId: stack.config.userPoolClientId,
      AuthParameters: { REFRESH_TOKEN: refreshToken },
    });
    assert.equal(answer.status, 400, `refreshing ${who}'s session after GlobalSignOut: ${JSON.stringify(answer.body)}`);
    assert.match(String(answer.body.__type), /NotAuthorizedException$/, `refreshing ${who}'s session: ${JSON.stringify(answer.body)}`);
  }
  // And its access token is no longer accepted by Cognito.
  const getUser = await cognitoAnswer(stack, 'GetUser', { AccessToken: theirs.accessToken });
  assert.equal(getUser.status, 400, `GetUser with the other device's access token: ${JSON.stringify(getUser.body)}`);

  // The other device finds out at its next refresh: it is sent to sign in.
  await other.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem('stratus.session') ?? '{}');
    s.expiresAt = 0; // as if its tokens had run out while the tab slept
    sessionStorage.setItem('stratus.session', JSON.stringify(s));
  });
  await other.reload();
  await expectPath(other, /^\/signin/);
  await expectText(other.getByTestId('signin-notice'), 'Your session has expired. Sign in again.');
  assert.equal(await other.getByTestId('user-email').count(), 0);

  // Signing in again works, with the changed password (and a code where MFA is on).
  await signIn(page, user);
  await expectText(page.getByTestId('user-email'), user.email);
});

test('the code prompt works from the keyboard alone, with focus where the user needs it', async ({ stack, page }) => {
  const mfa = poolMfa(stack);
  if (mfa === 'OFF') return; // no code prompt in such a pool
  const user = await createUser(stack, 'e2e-keyboard');
  await signIn(page, user);
  if (mfa === 'OPTIONAL') {
    await openAccount(page);
    await turnOnFromAccount(page, user);
  }
  await signOut(page);

  /** What has focus: its tag, id and, for inputs, the selected range. */
  const focused = () =>
    page.evaluate(() => {
      const el = /** @type {HTMLInputElement} */ (document.activeElement);
      return { tag: el?.tagName, id: el?.id, text: el?.textContent, selected: el?.tagName === 'INPUT' ? [el.selectionStart, el.selectionEnd] : null };
    });

  await page.getByLabel('Email', { exact: true }).focus();
  await page.keyboard.type(user.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(user.password);
  await page.keyboard.press('Enter');
  await heading(page, 'Enter your sign-in code');
  assert.deepEqual(await focused(), { tag: 'H1', id: '', text: 'Enter your sign-in code', selected: null }, 'the new step takes focus');

  await page.keyboard.press('Tab');
  assert.equal((await focused()).id, 'totp-code', 'Tab from the heading reaches the code field');
  await page.keyboard.type(wrongCode(user));
  await page.keyboard.press('Enter');
  await page.getByTestId('totp-error').waitFor();
  await expectText(page.getByTestId('totp-error'), 'That code is not correct. Enter the 6-digit code your authenticator app shows now.');
  const afterError = await focused();
  assert.deepEqual([afterError.id, afterError.selected], ['totp-code', [0, 6]], 'a refused code is selected in its field, ready to be typed over');

  await page.keyboard.type(await nextCode(user));
  await page.keyboard.press('Enter');
  await expectText(page.getByTestId('user-email'), user.email);
});

test('a sign-in whose session is over starts again at the password, saying why', async ({ stack, page }) => {
  const mfa = poolMfa(stack);
  if (mfa === 'OFF') return; // no challenge in such a pool
  const user = await createUser(stack, 'e2e-expired');
  await signIn(page, user);
  if (mfa === 'OPTIONAL') {
    await openAccount(page);
    await turnOnFromAccount(page, user);
  }
  await signOut(page);

  // Cognito's challenge sessions last 3 minutes; rather than wait, the answer carries a session that
  // Cognito no longer knows, which it refuses the same way ("Invalid session for the user…").
  const endpoint = new URL(stack.config.cognitoEndpoint || stack.cognito, stack.url).toString();
  await page.route(endpoint, async (route) => {
    const request = route.request();
    if (!request.headers()['x-amz-target']?.endsWith('.RespondToAuthChallenge')) return route.continue();
    const body = JSON.parse(request.postData() ?? '{}');
    body.Session = `${'x'.repeat(40)}-expired`;
    return route.continue({ postData: JSON.stringify(body) });
  });
  await submitPassword(page, user);
  assert.equal(await signInStep(page), 'code');
  await page.getByLabel('Code from your authenticator app', { exact: true }).fill(await nextCode(user));
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await heading(page, 'Sign in');
  await expectText(page.getByTestId('signin-error'), 'This sign-in took too long and has expired. Sign in again with your password.');
  assert.equal(await page.getByLabel('Email', { exact: true }).inputValue(), user.email, 'the email is kept');
  assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '', 'the password is asked again');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'signin-password', 'focus is on the password');

  // Starting again works.
  await page.unroute(endpoint);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await finishSignIn(page, user);
});
