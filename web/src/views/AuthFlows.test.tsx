// The sign-in challenges, the forgotten-password pages and the account page, through the whole app
// against a scripted Cognito JSON API (fetch mocks keyed on X-Amz-Target).

import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import { STORAGE_KEY } from '../auth/session';
import { createServices } from '../boot';
import type { AppConfig } from '../config';
import { fakeFetch, json, testConfig, type Call } from '../test/helpers';

function jwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, '');
  return `${b64({ alg: 'RS256' })}.${b64(claims)}.sig`;
}

const ID_TOKEN = jwt({ email: 'ann@example.com', sub: 'u1' });
const TOKENS = { AuthenticationResult: { IdToken: ID_TOKEN, AccessToken: 'acc', RefreshToken: 'ref', ExpiresIn: 3600 } };
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

type Op = (body: Record<string, unknown>, call: Call) => Response;

/** A Cognito that answers each operation from `ops` (an unknown one fails the test loudly), and an API with no items. */
function cognito(ops: Record<string, Op>) {
  const f = fakeFetch((c) => {
    if (c.url.host === 'cognito-idp.eu-west-1.amazonaws.com') {
      const op = c.headers['x-amz-target']!.replace('AWSCognitoIdentityProviderService.', '');
      const handler = ops[op];
      if (!handler) return json({ __type: 'UnknownOperationException', message: `no ${op} in this test` }, { status: 400 });
      return handler(c.body as Record<string, unknown>, c);
    }
    if (c.url.pathname.endsWith('/items')) return json({ items: [] });
    return json({});
  });
  const ops_ = () => f.calls.filter((c) => c.headers['x-amz-target']).map((c) => c.headers['x-amz-target']!.split('.')[1]);
  return { ...f, ops: ops_ };
}

const err = (type: string, message: string) => json({ __type: type, message }, { status: 400 });

function start(f: { fetch: typeof fetch }, path: string, config: AppConfig = testConfig) {
  window.history.replaceState(null, '', path);
  return render(<App services={createServices(config, f.fetch)} />);
}

async function typePassword(email = 'ann@example.com') {
  await userEvent.type(screen.getByLabelText('Email'), email);
  await userEvent.type(screen.getByLabelText('Password'), 'Secret-123');
  await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

function signedInSession() {
  sessionStorage.setItem(
    STORAGE_KEY,
    JSON.stringify({ idToken: ID_TOKEN, accessToken: 'acc', refreshToken: 'ref', expiresAt: Date.now() + 3_600_000, email: 'ann@example.com' }),
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('sign-in with an authenticator app', () => {
  it('sets up TOTP on MFA_SETUP: QR code and key, a refused code, then signed in where the user was headed', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    let verifies = 0;
    const f = cognito({
      InitiateAuth: () =>
        json({
          ChallengeName: 'MFA_SETUP',
          Session: 'sess-1',
          ChallengeParameters: { MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]', USER_ID_FOR_SRP: 'uid-1' },
        }),
      AssociateSoftwareToken: () => json({ SecretCode: SECRET, Session: 'sess-2' }),
      VerifySoftwareToken: () =>
        ++verifies === 1
          ? err('EnableSoftwareTokenMFAException', 'Code mismatch and fail enable Software Token MFA')
          : json({ Status: 'SUCCESS', Session: 'sess-3' }),
      RespondToAuthChallenge: () => json(TOKENS),
    });
    start(f, '/signin?next=%2Factivity');
    await typePassword();

    const heading = await screen.findByRole('heading', { level: 1, name: 'Set up two-step sign-in' });
    expect(document.activeElement).toBe(heading);
    expect(screen.getByRole('img', { name: 'QR code with the key for your authenticator app' })).toBeTruthy();
    expect(screen.getByTestId('totp-secret').textContent!.replace(/\s/g, '')).toBe(SECRET);
    await userEvent.click(screen.getByRole('button', { name: 'Copy key' }));
    expect(writeText).toHaveBeenCalledWith(SECRET);
    expect(await screen.findByText('Key copied.')).toBeTruthy();

    const codeField = screen.getByLabelText('Code from your authenticator app') as HTMLInputElement;
    expect(codeField.getAttribute('autocomplete')).toBe('one-time-code');
    expect(codeField.getAttribute('inputmode')).toBe('numeric');
    await userEvent.type(codeField, '111111');
    await userEvent.click(screen.getByRole('button', { name: 'Verify and sign in' }));
    const error = await screen.findByTestId('setup-error');
    expect(error.getAttribute('role')).toBe('alert');
    expect(error.textContent).toContain('That code does not match.');
    expect(codeField.getAttribute('aria-invalid')).toBe('true');
    expect(codeField.getAttribute('aria-describedby')).toContain('setup-error');
    await waitFor(() => expect(document.activeElement).toBe(codeField));

    await userEvent.clear(codeField);
    await userEvent.type(codeField, '123456');
    await userEvent.click(screen.getByRole('button', { name: 'Verify and sign in' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Activity' })).toBeTruthy();
    expect(screen.getByTestId('user-email').textContent).toBe('ann@example.com');

    expect(f.ops()).toEqual(['InitiateAuth', 'AssociateSoftwareToken', 'VerifySoftwareToken', 'VerifySoftwareToken', 'RespondToAuthChallenge', ...f.ops().slice(5)]);
    const byOp = (op: string) => f.calls.filter((c) => c.headers['x-amz-target']?.endsWith(`.${op}`)).map((c) => c.body);
    expect(byOp('AssociateSoftwareToken')).toEqual([{ Session: 'sess-1' }]);
    expect(byOp('VerifySoftwareToken')).toEqual([
      { Session: 'sess-2', UserCode: '111111', FriendlyDeviceName: 'Authenticator app' },
      { Session: 'sess-2', UserCode: '123456', FriendlyDeviceName: 'Authenticator app' },
    ]);
    expect(byOp('RespondToAuthChallenge')).toEqual([
      { ClientId: 'client123', ChallengeName: 'MFA_SETUP', Session: 'sess-3', ChallengeResponses: { USERNAME: 'uid-1' } },
    ]);
  });

  it('asks for the code on SOFTWARE_TOKEN_MFA, shows a wrong one in plain words and accepts a retry in the same session', async () => {
    let answers = 0;
    const f = cognito({
      InitiateAuth: () => json({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 'sess-1', ChallengeParameters: { USER_ID_FOR_SRP: 'uid-1' } }),
      RespondToAuthChallenge: () =>
        ++answers === 1
          ? err('CodeMismatchException', 'Invalid code received for user')
          : answers === 2
            ? err('ExpiredCodeException', 'Your software token has already been used once.')
            : json(TOKENS),
    });
    start(f, '/signin');
    await typePassword();
    const heading = await screen.findByRole('heading', { level: 1, name: 'Enter your sign-in code' });
    expect(document.activeElement).toBe(heading);
    const code = screen.getByLabelText('Code from your authenticator app');

    await userEvent.type(code, '000000{Enter}');
    expect((await screen.findByTestId('totp-error')).textContent).toBe(
      'That code is not correct. Enter the 6-digit code your authenticator app shows now.',
    );
    await userEvent.clear(code);
    await userEvent.type(code, '123456{Enter}');
    await waitFor(() => expect(screen.getByTestId('totp-error').textContent).toContain('expired or was already used'));
    await userEvent.clear(code);
    await userEvent.type(code, '654321{Enter}');
    expect(await screen.findByRole('heading', { level: 1, name: 'Items' })).toBeTruthy();

    const sessions = f.calls.filter((c) => c.headers['x-amz-target']?.endsWith('.RespondToAuthChallenge')).map((c) => c.body);
    expect(sessions).toEqual(
      ['000000', '123456', '654321'].map((c) => ({
        ClientId: 'client123',
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        Session: 'sess-1',
        ChallengeResponses: { USERNAME: 'uid-1', SOFTWARE_TOKEN_MFA_CODE: c },
      })),
    );
  });

  it('sends the user back to the password when the challenge session expired', async () => {
    const f = cognito({
      InitiateAuth: () => json({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 'sess-1', ChallengeParameters: {} }),
      RespondToAuthChallenge: () => err('NotAuthorizedException', 'Invalid session for the user, session is expired.'),
    });
    start(f, '/signin');
    await typePassword();
    await userEvent.type(await screen.findByLabelText('Code from your authenticator app'), '123456{Enter}');
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in' })).toBeTruthy();
    expect(screen.getByTestId('signin-error').textContent).toBe(
      'This sign-in took too long and has expired. Sign in again with your password.',
    );
    expect((screen.getByLabelText('Email') as HTMLInputElement).value).toBe('ann@example.com');
    const password = screen.getByLabelText('Password') as HTMLInputElement;
    expect(password.value).toBe('');
    await waitFor(() => expect(document.activeElement).toBe(password));
  });

  it('lets the user start over from the code prompt', async () => {
    const f = cognito({
      InitiateAuth: () => json({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 'sess-1', ChallengeParameters: {} }),
    });
    start(f, '/signin');
    await typePassword();
    await userEvent.click(await screen.findByRole('button', { name: 'Start over' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in' })).toBeTruthy();
    expect(screen.queryByTestId('signin-error')).toBeNull();
  });

  it('names a challenge it cannot answer, says what to do, and keeps the form usable', async () => {
    const f = cognito({
      InitiateAuth: () => json({ ChallengeName: 'CUSTOM_CHALLENGE', Session: 'sess-1', ChallengeParameters: {} }),
    });
    start(f, '/signin');
    await typePassword();
    const error = await screen.findByTestId('signin-error');
    expect(error.textContent).toContain("Cognito's CUSTOM_CHALLENGE challenge");
    expect(error.textContent).toContain("Contact the site's administrator");
    expect(screen.getByRole('button', { name: 'Sign in' })).toHaveProperty('disabled', false);
    expect(screen.queryByTestId('user-email')).toBeNull();
  });

  it('has a user with a temporary password choose one, then go on to the next step', async () => {
    let answers = 0;
    const f = cognito({
      InitiateAuth: () =>
        json({ ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 'sess-1', ChallengeParameters: { USER_ID_FOR_SRP: 'uid-1', requiredAttributes: '[]' } }),
      RespondToAuthChallenge: () =>
        ++answers === 1 ? err('InvalidPasswordException', 'Password did not conform with policy: Password not long enough') : json(TOKENS),
    });
    start(f, '/signin');
    await typePassword();
    const heading = await screen.findByRole('heading', { level: 1, name: 'Choose your password' });
    expect(document.activeElement).toBe(heading);
    const field = screen.getByLabelText('New password');
    expect(field.getAttribute('autocomplete')).toBe('new-password');
    await userEvent.type(field, 'short{Enter}');
    expect((await screen.findByTestId('new-password-error')).textContent).toBe('Password did not conform with policy: Password not long enough');
    await userEvent.clear(field);
    await userEvent.type(field, 'Correct-Horse-9-battery{Enter}');
    expect(await screen.findByRole('heading', { level: 1, name: 'Items' })).toBeTruthy();
    const last = f.calls.filter((c) => c.headers['x-amz-target']?.endsWith('.RespondToAuthChallenge')).at(-1)!;
    expect(last.body).toEqual({
      ClientId: 'client123',
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      Session: 'sess-1',
      ChallengeResponses: { USERNAME: 'uid-1', NEW_PASSWORD: 'Correct-Horse-9-battery' },
    });
  });
});

describe('forgotten password', () => {
  it('sends a code, resends it, refuses a wrong one, sets the new password and returns to sign-in', async () => {
    let confirms = 0;
    const f = cognito({
      ForgotPassword: () => json({ CodeDeliveryDetails: { Destination: 'a***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' } }),
      ConfirmForgotPassword: () =>
        ++confirms === 1 ? err('CodeMismatchException', 'Invalid verification code provided, please try again.') : json({}),
    });
    start(f, '/signin');
    await userEvent.type(screen.getByLabelText('Email'), 'ann@example.com');
    await userEvent.click(screen.getByRole('link', { name: 'Forgot your password?' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Reset your password' })).toBeTruthy();
    expect((screen.getByLabelText('Email') as HTMLInputElement).value).toBe('ann@example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Send code' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'Choose a new password' })).toBeTruthy();
    expect(screen.getByTestId('reset-status').textContent).toBe('We sent a code to a***@e***.');
    await userEvent.click(screen.getByRole('button', { name: 'Resend code' }));
    await waitFor(() =>
      expect(screen.getByTestId('reset-status').textContent).toBe('A new code is on its way to a***@e***. Use the newest one.'),
    );
    const code = screen.getByLabelText('Code from the email');
    expect(code.getAttribute('autocomplete')).toBe('one-time-code');
    await userEvent.type(code, '111111');
    await userEvent.type(screen.getByLabelText('New password'), 'New-Secret-456');
    await userEvent.click(screen.getByRole('button', { name: 'Set new password' }));
    expect((await screen.findByTestId('reset-error')).textContent).toContain('That code is not correct.');
    await userEvent.clear(code);
    await userEvent.type(code, '222222');
    await userEvent.click(screen.getByRole('button', { name: 'Set new password' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in' })).toBeTruthy();
    expect(screen.getByTestId('signin-notice').textContent).toBe('Your password is changed. Sign in with your new password.');
    expect((screen.getByLabelText('Email') as HTMLInputElement).value).toBe('ann@example.com');
    const bodies = f.calls.filter((c) => c.headers['x-amz-target']).map((c) => [c.headers['x-amz-target']!.split('.')[1], c.body]);
    expect(bodies).toEqual([
      ['ForgotPassword', { ClientId: 'client123', Username: 'ann@example.com' }],
      ['ForgotPassword', { ClientId: 'client123', Username: 'ann@example.com' }],
      ['ConfirmForgotPassword', { ClientId: 'client123', Username: 'ann@example.com', ConfirmationCode: '111111', Password: 'New-Secret-456' }],
      ['ConfirmForgotPassword', { ClientId: 'client123', Username: 'ann@example.com', ConfirmationCode: '222222', Password: 'New-Secret-456' }],
    ]);
  });

  it('shows throttling in words the user can act on', async () => {
    const f = cognito({ ForgotPassword: () => err('LimitExceededException', 'Attempt limit exceeded, please try after some time.') });
    start(f, '/forgot-password?email=ann%40example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Send code' }));
    expect((await screen.findByTestId('forgot-error')).textContent).toBe(
      'Too many password-reset attempts for this account. Wait a while (up to an hour), then try again.',
    );
  });
});

describe('account page', () => {
  it('is reached from the header when signed in, and sends signed-out visitors to sign-in', async () => {
    start(cognito({}), '/account');
    await waitFor(() => expect(window.location.pathname).toBe('/signin'));
    expect(new URLSearchParams(window.location.search).get('next')).toBe('/account');
  });

  it('turns TOTP on (associate, verify, prefer) and off where MFA is optional', async () => {
    let enabled = false;
    let verifies = 0;
    const f = cognito({
      GetUser: () => json({ Username: 'uid-1', UserAttributes: [], UserMFASettingList: enabled ? ['SOFTWARE_TOKEN_MFA'] : undefined }),
      AssociateSoftwareToken: () => json({ SecretCode: SECRET }),
      VerifySoftwareToken: () =>
        ++verifies === 1 ? err('EnableSoftwareTokenMFAException', 'Code mismatch and fail enable Software Token MFA') : json({ Status: 'SUCCESS' }),
      SetUserMFAPreference: (b) => {
        enabled = (b.SoftwareTokenMfaSettings as { Enabled: boolean }).Enabled;
        return json({});
      },
    });
    signedInSession();
    start(f, '/');
    await userEvent.click(await screen.findByRole('link', { name: 'Account' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Account' })).toBeTruthy();
    expect((await screen.findByTestId('mfa-status')).textContent).toBe('Off');

    await userEvent.click(screen.getByRole('button', { name: 'Set up an authenticator app' }));
    const code = await screen.findByLabelText('Code from your authenticator app');
    await waitFor(() => expect(document.activeElement).toBe(code));
    expect(screen.getByTestId('totp-secret').textContent!.replace(/\s/g, '')).toBe(SECRET);
    expect(screen.getByRole('img', { name: /QR code/ })).toBeTruthy();
    await userEvent.type(code, '111111{Enter}');
    expect((await screen.findByTestId('mfa-error')).textContent).toContain('That code does not match.');
    expect(enabled).toBe(false);
    await userEvent.clear(code);
    await userEvent.type(code, '123456{Enter}');
    await waitFor(() => expect(screen.getByTestId('mfa-status').textContent).toBe('On'));
    expect(screen.getByTestId('mfa-status-message').textContent).toContain('Two-step sign-in is on.');
    expect(enabled).toBe(true);

    await userEvent.click(screen.getByRole('button', { name: 'Turn off two-step sign-in' }));
    await waitFor(() => expect(screen.getByTestId('mfa-status').textContent).toBe('Off'));
    expect(enabled).toBe(false);
    const bodies = f.calls.filter((c) => c.headers['x-amz-target']).map((c) => [c.headers['x-amz-target']!.split('.')[1], c.body]);
    expect(bodies).toEqual([
      ['GetUser', { AccessToken: 'acc' }],
      ['AssociateSoftwareToken', { AccessToken: 'acc' }],
      ['VerifySoftwareToken', { AccessToken: 'acc', UserCode: '111111', FriendlyDeviceName: 'Authenticator app' }],
      ['VerifySoftwareToken', { AccessToken: 'acc', UserCode: '123456', FriendlyDeviceName: 'Authenticator app' }],
      ['SetUserMFAPreference', { AccessToken: 'acc', SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } }],
      ['SetUserMFAPreference', { AccessToken: 'acc', SoftwareTokenMfaSettings: { Enabled: false, PreferredMfa: false } }],
    ]);
  });

  it('replaces the authenticator app (the old one stays until the new one is verified), or keeps it on cancel', async () => {
    const f = cognito({
      GetUser: () => json({ Username: 'uid-1', UserMFASettingList: ['SOFTWARE_TOKEN_MFA'] }),
      AssociateSoftwareToken: () => json({ SecretCode: SECRET }),
      VerifySoftwareToken: () => json({ Status: 'SUCCESS' }),
      SetUserMFAPreference: () => json({}),
    });
    signedInSession();
    start(f, '/account', { ...testConfig, mfa: 'ON' });
    expect((await screen.findByTestId('mfa-status')).textContent).toBe('On');
    await userEvent.click(screen.getByRole('button', { name: 'Use a different authenticator app' }));
    expect(await screen.findByText('Your current authenticator app keeps working until the new one is verified.')).toBeTruthy();
    expect(screen.getByTestId('mfa-status').textContent).toBe('On');
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.getByTestId('mfa-status-message').textContent).toBe('Your authenticator app was not changed.'));
    expect(f.ops()).not.toContain('VerifySoftwareToken');

    await userEvent.click(screen.getByRole('button', { name: 'Use a different authenticator app' }));
    await userEvent.type(await screen.findByLabelText('Code from your authenticator app'), '123456');
    await userEvent.click(screen.getByRole('button', { name: 'Use this app' }));
    await waitFor(() => expect(screen.getByTestId('mfa-status-message').textContent).toContain('Your new authenticator app is set up.'));
    expect(f.ops().filter((o) => o === 'SetUserMFAPreference')).toHaveLength(1);
  });

  it('does not offer turning TOTP off where the pool requires it, and shows no section where MFA is off', async () => {
    const f = cognito({ GetUser: () => json({ Username: 'uid-1', UserMFASettingList: ['SOFTWARE_TOKEN_MFA'] }) });
    signedInSession();
    const view = start(f, '/account', { ...testConfig, mfa: 'ON' });
    expect((await screen.findByTestId('mfa-status')).textContent).toBe('On');
    expect(screen.getByTestId('mfa-required')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Turn off two-step sign-in' })).toBeNull();
    view.unmount();

    signedInSession();
    start(cognito({}), '/account', { ...testConfig, mfa: 'OFF' });
    expect(await screen.findByRole('heading', { level: 1, name: 'Account' })).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Two-step sign-in' })).toBeNull();
    expect(screen.getByRole('heading', { name: 'Change password' })).toBeTruthy();
  });

  it('shows a failed load of the MFA state with a retry', async () => {
    let n = 0;
    const f = cognito({
      GetUser: () => (++n === 1 ? err('InternalErrorException', 'Internal server error.') : json({ Username: 'u' })),
    });
    signedInSession();
    start(f, '/account');
    const error = await screen.findByTestId('mfa-load-error');
    await userEvent.click(within(error).getByRole('button', { name: 'Try again' }));
    expect((await screen.findByTestId('mfa-status')).textContent).toBe('Off');
  });

  it('changes the password, and says so when the current one is wrong', async () => {
    let n = 0;
    const f = cognito({
      GetUser: () => json({ Username: 'u' }),
      ChangePassword: () => (++n === 1 ? err('NotAuthorizedException', 'Incorrect username or password.') : json({})),
    });
    signedInSession();
    start(f, '/account');
    const current = await screen.findByLabelText('Current password');
    expect(current.getAttribute('autocomplete')).toBe('current-password');
    await userEvent.type(current, 'wrong');
    await userEvent.type(screen.getByLabelText('New password'), 'New-Secret-456');
    await userEvent.click(screen.getByRole('button', { name: 'Change password' }));
    expect((await screen.findByTestId('password-error')).textContent).toBe('Your current password is not correct.');
    await userEvent.clear(current);
    await userEvent.type(current, 'Secret-123');
    await userEvent.click(screen.getByRole('button', { name: 'Change password' }));
    await waitFor(() => expect(screen.getByTestId('password-status').textContent).toBe('Your password is changed.'));
    expect((current as HTMLInputElement).value).toBe('');
    const last = f.calls.at(-1)!;
    expect(last.body).toEqual({ AccessToken: 'acc', PreviousPassword: 'Secret-123', ProposedPassword: 'New-Secret-456' });
  });

  it('signs out everywhere with GlobalSignOut and says so on the sign-in page', async () => {
    const f = cognito({ GetUser: () => json({ Username: 'u' }), GlobalSignOut: () => json({}) });
    signedInSession();
    start(f, '/account');
    await userEvent.click(await screen.findByRole('button', { name: 'Sign out everywhere' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in' })).toBeTruthy();
    expect(screen.getByTestId('signin-notice').textContent).toBe('You are signed out on every device. Sign in again to continue here.');
    expect(sessionStorage.getItem(STORAGE_KEY)).toBeNull();
    expect(f.ops()).toContain('GlobalSignOut');
    expect(f.ops()).not.toContain('RevokeToken');
  });

  it('stays signed in, and says so, when signing out everywhere failed', async () => {
    const f = cognito({ GetUser: () => json({ Username: 'u' }), GlobalSignOut: () => err('InternalErrorException', 'Internal error.') });
    signedInSession();
    start(f, '/account');
    await userEvent.click(await screen.findByRole('button', { name: 'Sign out everywhere' }));
    expect((await screen.findByTestId('signout-error')).textContent).toBe('You are still signed in: Internal error.');
    expect(screen.getByTestId('user-email').textContent).toBe('ann@example.com');
  });

  it('signs out on this device with RevokeToken', async () => {
    const f = cognito({ GetUser: () => json({ Username: 'u' }), RevokeToken: () => json({}) });
    signedInSession();
    start(f, '/account');
    await userEvent.click(await screen.findByRole('button', { name: 'Sign out on this device' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in' })).toBeTruthy();
    await waitFor(() => expect(f.ops()).toContain('RevokeToken'));
    expect(f.ops()).not.toContain('GlobalSignOut');
  });
});
