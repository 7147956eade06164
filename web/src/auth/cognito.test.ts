import { describe, expect, it } from 'vitest';
import { fakeFetch, json } from '../test/helpers';
import { CognitoClient, CognitoError, isSessionExpired } from './cognito';

const ENDPOINT = 'http://localhost:9229/';

describe('CognitoClient', () => {
  it('signs in with USER_PASSWORD_AUTH through the JSON API', async () => {
    const f = fakeFetch(() =>
      json({ AuthenticationResult: { IdToken: 'id', AccessToken: 'acc', RefreshToken: 'ref', ExpiresIn: 300 } }),
    );
    const out = await new CognitoClient(ENDPOINT, 'client1', f.fetch).signIn('ann@example.com', 'pw');
    expect(out).toEqual({ tokens: { idToken: 'id', accessToken: 'acc', refreshToken: 'ref', expiresIn: 300 } });
    const c = f.calls[0]!;
    expect(c.method).toBe('POST');
    expect(c.url.toString()).toBe(ENDPOINT);
    expect(c.headers['x-amz-target']).toBe('AWSCognitoIdentityProviderService.InitiateAuth');
    expect(c.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(c.body).toEqual({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: 'client1',
      AuthParameters: { USERNAME: 'ann@example.com', PASSWORD: 'pw' },
    });
  });

  it('refreshes with REFRESH_TOKEN_AUTH', async () => {
    const f = fakeFetch(() => json({ AuthenticationResult: { IdToken: 'id2', AccessToken: 'acc2', ExpiresIn: 3600 } }));
    const out = await new CognitoClient(ENDPOINT, 'client1', f.fetch).refresh('ref');
    expect(out.refreshToken).toBeUndefined();
    expect(f.calls[0]!.body).toMatchObject({ AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: 'ref' } });
  });

  it('signs up with the email as username and attribute, and confirms', async () => {
    const f = fakeFetch((c) =>
      c.headers['x-amz-target']!.endsWith('.SignUp')
        ? json({ UserConfirmed: false, UserSub: 's', CodeDeliveryDetails: { Destination: 'a***@e***' } })
        : json({}),
    );
    const client = new CognitoClient(ENDPOINT, 'client1', f.fetch);
    await expect(client.signUp('ann@example.com', 'Pw-12345')).resolves.toEqual({
      userConfirmed: false,
      codeDestination: 'a***@e***',
    });
    await client.confirmSignUp('ann@example.com', '123456');
    expect(f.calls[0]!.body).toEqual({
      ClientId: 'client1',
      Username: 'ann@example.com',
      Password: 'Pw-12345',
      UserAttributes: [{ Name: 'email', Value: 'ann@example.com' }],
    });
    expect(f.calls[1]!.headers['x-amz-target']).toBe('AWSCognitoIdentityProviderService.ConfirmSignUp');
    expect(f.calls[1]!.body).toEqual({ ClientId: 'client1', Username: 'ann@example.com', ConfirmationCode: '123456' });
  });

  it('maps Cognito errors (with or without a namespace) to CognitoError', async () => {
    const f = fakeFetch(() =>
      json({ __type: 'com.amazonaws.cognito#NotAuthorizedException', message: 'Incorrect username or password.' }, { status: 400 }),
    );
    await expect(new CognitoClient(ENDPOINT, 'c', f.fetch).signIn('a', 'b')).rejects.toMatchObject({
      code: 'NotAuthorizedException',
      message: 'Incorrect username or password.',
      status: 400,
    });
    const g = fakeFetch(() => json({ __type: 'UsernameExistsException', message: 'User already exists' }, { status: 400 }));
    const err = await new CognitoClient(ENDPOINT, 'c', g.fetch).signUp('a', 'b').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CognitoError);
    expect((err as CognitoError).code).toBe('UsernameExistsException');
  });

  it('turns throttling and lockout answers into what the user can do, keeping the code', async () => {
    const cases: [string, string, string][] = [
      ['TooManyRequestsException', 'Rate exceeded', 'Too many attempts right now. Wait a moment, then try again.'],
      [
        'NotAuthorizedException',
        'Password attempts exceeded',
        'Too many failed sign-in attempts for this account. Wait a few minutes, then try again.',
      ],
      ['NotAuthorizedException', 'Incorrect username or password.', 'Incorrect username or password.'],
    ];
    for (const [type, message, shown] of cases) {
      const f = fakeFetch(() => json({ __type: type, message }, { status: 400 }));
      await expect(new CognitoClient(ENDPOINT, 'c', f.fetch).signIn('a', 'b')).rejects.toMatchObject({
        code: type,
        message: shown,
        status: 400,
      });
    }
  });

  it('returns a challenge with its session and parameters instead of tokens', async () => {
    const f = fakeFetch(() =>
      json({
        ChallengeName: 'MFA_SETUP',
        Session: 'sess-1',
        ChallengeParameters: { MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]', USER_ID_FOR_SRP: 'u-1' },
      }),
    );
    await expect(new CognitoClient(ENDPOINT, 'c', f.fetch).signIn('a', 'b')).resolves.toEqual({
      challenge: {
        challengeName: 'MFA_SETUP',
        session: 'sess-1',
        parameters: { MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]', USER_ID_FOR_SRP: 'u-1' },
      },
    });
  });

  it('fails on an answer with neither tokens nor a challenge, and on a challenge during refresh', async () => {
    const f = fakeFetch(() => json({}));
    await expect(new CognitoClient(ENDPOINT, 'c', f.fetch).signIn('a', 'b')).rejects.toMatchObject({ code: 'InvalidResponse' });
    const g = fakeFetch(() => json({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 's' }));
    await expect(new CognitoClient(ENDPOINT, 'c', g.fetch).refresh('r')).rejects.toMatchObject({ code: 'UnsupportedChallenge' });
  });

  it('answers a challenge with RespondToAuthChallenge', async () => {
    const f = fakeFetch(() => json({ AuthenticationResult: { IdToken: 'id', AccessToken: 'acc', RefreshToken: 'ref', ExpiresIn: 60 } }));
    const out = await new CognitoClient(ENDPOINT, 'client1', f.fetch).respondToChallenge('SOFTWARE_TOKEN_MFA', 'sess', {
      USERNAME: 'u-1',
      SOFTWARE_TOKEN_MFA_CODE: '123456',
    });
    expect(out).toEqual({ tokens: { idToken: 'id', accessToken: 'acc', refreshToken: 'ref', expiresIn: 60 } });
    expect(f.calls[0]!.headers['x-amz-target']).toBe('AWSCognitoIdentityProviderService.RespondToAuthChallenge');
    expect(f.calls[0]!.body).toEqual({
      ClientId: 'client1',
      ChallengeName: 'SOFTWARE_TOKEN_MFA',
      Session: 'sess',
      ChallengeResponses: { USERNAME: 'u-1', SOFTWARE_TOKEN_MFA_CODE: '123456' },
    });
  });

  it('associates and verifies a software token with a session or an access token', async () => {
    const f = fakeFetch((c) =>
      c.headers['x-amz-target']!.endsWith('.AssociateSoftwareToken')
        ? json({ SecretCode: 'SECRET', Session: 'sess-2' })
        : json({ Status: 'SUCCESS', Session: 'sess-3' }),
    );
    const client = new CognitoClient(ENDPOINT, 'client1', f.fetch);
    await expect(client.associateSoftwareToken({ session: 'sess-1' })).resolves.toEqual({ secretCode: 'SECRET', session: 'sess-2' });
    await expect(client.verifySoftwareToken({ session: 'sess-2' }, '123456', 'Phone')).resolves.toEqual({ session: 'sess-3' });
    await client.associateSoftwareToken({ accessToken: 'acc' });
    await client.verifySoftwareToken({ accessToken: 'acc' }, '654321');
    expect(f.calls.map((c) => c.body)).toEqual([
      { Session: 'sess-1' },
      { Session: 'sess-2', UserCode: '123456', FriendlyDeviceName: 'Phone' },
      { AccessToken: 'acc' },
      { AccessToken: 'acc', UserCode: '654321' },
    ]);
  });

  it('treats VerifySoftwareToken Status ERROR as a refused code', async () => {
    const f = fakeFetch(() => json({ Status: 'ERROR' }));
    await expect(new CognitoClient(ENDPOINT, 'c', f.fetch).verifySoftwareToken({ accessToken: 'a' }, '1')).rejects.toMatchObject({
      code: 'EnableSoftwareTokenMFAException',
      message: expect.stringContaining('That code does not match'),
    });
  });

  it('says in plain words what a wrong, expired or reused code means, per operation', async () => {
    const cases: [string, string, string, string][] = [
      ['RespondToAuthChallenge', 'CodeMismatchException', 'Invalid code received for user', 'That code is not correct. Enter the 6-digit code'],
      ['RespondToAuthChallenge', 'ExpiredCodeException', 'Your software token has already been used once.', 'That code has expired or was already used.'],
      ['VerifySoftwareToken', 'EnableSoftwareTokenMFAException', 'Code mismatch and fail enable Software Token MFA', 'That code does not match.'],
      ['ConfirmForgotPassword', 'CodeMismatchException', 'Invalid verification code provided, please try again.', 'Use the code from the newest email'],
      ['ConfirmForgotPassword', 'ExpiredCodeException', 'Invalid code provided, please request a code again.', 'That code has expired. Ask for a new code'],
      ['ChangePassword', 'NotAuthorizedException', 'Incorrect username or password.', 'Your current password is not correct.'],
      ['ForgotPassword', 'LimitExceededException', 'Attempt limit exceeded, please try after some time.', 'Too many password-reset attempts for this account. Wait a while (up to an hour)'],
      ['ConfirmForgotPassword', 'LimitExceededException', 'Attempt limit exceeded, please try after some time.', 'Too many password-reset attempts'],
      ['ChangePassword', 'LimitExceededException', 'Attempt limit exceeded, please try after some time.', 'Too many attempts right now. Wait a moment'],
      ['ForgotPassword', 'UserNotFoundException', 'Username/client id combination not found.', 'There is no account with this email address.'],
      ['ChangePassword', 'InvalidPasswordException', 'Password does not conform to policy: Password not long enough', 'Password does not conform to policy: Password not long enough'],
    ];
    for (const [op, type, message, shown] of cases) {
      const f = fakeFetch(() => json({ __type: type, message }, { status: 400 }));
      const client = new CognitoClient(ENDPOINT, 'c', f.fetch);
      const call: Record<string, () => Promise<unknown>> = {
        RespondToAuthChallenge: () => client.respondToChallenge('SOFTWARE_TOKEN_MFA', 's', {}),
        VerifySoftwareToken: () => client.verifySoftwareToken({ session: 's' }, '1'),
        ConfirmForgotPassword: () => client.confirmForgotPassword('a', '1', 'p'),
        ChangePassword: () => client.changePassword('acc', 'a', 'b'),
        ForgotPassword: () => client.forgotPassword('a'),
      };
      const err = (await call[op]!().catch((e: unknown) => e)) as CognitoError;
      expect(err).toBeInstanceOf(CognitoError);
      expect(err.code).toBe(type);
      expect(err.message).toContain(shown);
      expect(err.cognitoMessage).toBe(message);
    }
  });

  it('reports an expired challenge session as SessionExpired', async () => {
    const f = fakeFetch(() =>
      json({ __type: 'NotAuthorizedException', message: 'Invalid session for the user, session is expired.' }, { status: 400 }),
    );
    const client = new CognitoClient(ENDPOINT, 'c', f.fetch);
    for (const call of [
      () => client.respondToChallenge('SOFTWARE_TOKEN_MFA', 's', {}),
      () => client.verifySoftwareToken({ session: 's' }, '1'),
      () => client.associateSoftwareToken({ session: 's' }),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(isSessionExpired(err)).toBe(true);
      expect((err as Error).message).toBe('This sign-in took too long and has expired. Sign in again with your password.');
    }
    // The same exception on sign-in is about the password, not a session.
    await expect(client.signIn('a', 'b')).rejects.toMatchObject({ code: 'NotAuthorizedException' });
  });

  it('calls the account operations with the access token', async () => {
    const f = fakeFetch((c) => {
      const op = c.headers['x-amz-target']!.split('.')[1];
      if (op === 'GetUser') return json({ Username: 'u-1', UserMFASettingList: ['SOFTWARE_TOKEN_MFA'], PreferredMfaSetting: 'SOFTWARE_TOKEN_MFA' });
      if (op === 'ForgotPassword') return json({ CodeDeliveryDetails: { Destination: 'a***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' } });
      return json({});
    });
    const client = new CognitoClient(ENDPOINT, 'client1', f.fetch);
    await expect(client.getUserMfa('acc')).resolves.toEqual({ totpEnabled: true, preferred: 'SOFTWARE_TOKEN_MFA' });
    await client.setSoftwareTokenMfa('acc', true);
    await client.setSoftwareTokenMfa('acc', false);
    await client.changePassword('acc', 'old', 'new');
    await client.globalSignOut('acc');
    await expect(client.forgotPassword('ann@example.com')).resolves.toEqual({ codeDestination: 'a***@e***' });
    await client.confirmForgotPassword('ann@example.com', '123456', 'New-pw-1');
    expect(f.calls.map((c) => [c.headers['x-amz-target']!.split('.')[1], c.body])).toEqual([
      ['GetUser', { AccessToken: 'acc' }],
      ['SetUserMFAPreference', { AccessToken: 'acc', SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } }],
      ['SetUserMFAPreference', { AccessToken: 'acc', SoftwareTokenMfaSettings: { Enabled: false, PreferredMfa: false } }],
      ['ChangePassword', { AccessToken: 'acc', PreviousPassword: 'old', ProposedPassword: 'new' }],
      ['GlobalSignOut', { AccessToken: 'acc' }],
      ['ForgotPassword', { ClientId: 'client1', Username: 'ann@example.com' }],
      ['ConfirmForgotPassword', { ClientId: 'client1', Username: 'ann@example.com', ConfirmationCode: '123456', Password: 'New-pw-1' }],
    ]);
  });

  it('reads a user without MFA from GetUser', async () => {
    const f = fakeFetch(() => json({ Username: 'u-1', UserAttributes: [] }));
    await expect(new CognitoClient(ENDPOINT, 'c', f.fetch).getUserMfa('acc')).resolves.toEqual({ totpEnabled: false, preferred: undefined });
  });

  it('revokes the refresh token on sign-out', async () => {
    const f = fakeFetch(() => json({}));
    await new CognitoClient(ENDPOINT, 'client1', f.fetch).revoke('ref');
    expect(f.calls[0]!.headers['x-amz-target']).toBe('AWSCognitoIdentityProviderService.RevokeToken');
    expect(f.calls[0]!.body).toEqual({ ClientId: 'client1', Token: 'ref' });
  });
});
