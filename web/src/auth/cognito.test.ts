import { describe, expect, it } from 'vitest';
import { fakeFetch, json } from '../test/helpers';
import { CognitoClient, CognitoError } from './cognito';

const ENDPOINT = 'http://localhost:9229/';

describe('CognitoClient', () => {
  it('signs in with USER_PASSWORD_AUTH through the JSON API', async () => {
    const f = fakeFetch(() =>
      json({ AuthenticationResult: { IdToken: 'id', AccessToken: 'acc', RefreshToken: 'ref', ExpiresIn: 300 } }),
    );
    const out = await new CognitoClient(ENDPOINT, 'client1', f.fetch).signIn('ann@example.com', 'pw');
    expect(out).toEqual({ idToken: 'id', accessToken: 'acc', refreshToken: 'ref', expiresIn: 300 });
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

  it('rejects a challenge it cannot answer instead of pretending to be signed in', async () => {
    const f = fakeFetch(() => json({ ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 's' }));
    await expect(new CognitoClient(ENDPOINT, 'c', f.fetch).signIn('a', 'b')).rejects.toMatchObject({
      code: 'UnsupportedChallenge',
    });
  });

  it('revokes the refresh token on sign-out', async () => {
    const f = fakeFetch(() => json({}));
    await new CognitoClient(ENDPOINT, 'client1', f.fetch).revoke('ref');
    expect(f.calls[0]!.headers['x-amz-target']).toBe('AWSCognitoIdentityProviderService.RevokeToken');
    expect(f.calls[0]!.body).toEqual({ ClientId: 'client1', Token: 'ref' });
  });
});
