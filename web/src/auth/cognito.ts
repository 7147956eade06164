// A small client for the Cognito user pool JSON API (the same calls the AWS SDKs make):
// POST <endpoint> with `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`.
// Real Cognito and the local issuer are reached by exactly this code; only the endpoint differs
// (config.json's cognitoEndpoint). Sign-in uses USER_PASSWORD_AUTH, refresh uses REFRESH_TOKEN_AUTH:
// the app client must allow both flows and have no client secret.

export interface AuthResult {
  idToken: string;
  accessToken: string;
  /** Absent on REFRESH_TOKEN_AUTH unless refresh-token rotation is on. */
  refreshToken?: string;
  /** Seconds until the access and ID tokens expire. */
  expiresIn: number;
}

export interface SignUpResult {
  userConfirmed: boolean;
  /** Where the code went, e.g. "a***@e***.com"; absent when no code was sent. */
  codeDestination?: string;
}

/** An error answered by Cognito: `code` is the exception name, e.g. NotAuthorizedException. */
export class CognitoError extends Error {
  override name = 'CognitoError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';

/**
 * The message to show for a Cognito error. Throttling and lockout answers ("Rate exceeded",
 * "Password attempts exceeded") say nothing a user can act on; they become what to do. Everything
 * else is Cognito's own message, which is written for users.
 */
export function userMessage(code: string, message: string): string {
  switch (code) {
    case 'TooManyRequestsException':
    case 'TooManyFailedAttemptsException':
    case 'LimitExceededException':
      return 'Too many attempts right now. Wait a moment, then try again.';
    case 'NotAuthorizedException':
      if (/password attempts exceeded/i.test(message)) {
        return 'Too many failed sign-in attempts for this account. Wait a few minutes, then try again.';
      }
  }
  return message;
}

export class CognitoClient {
  constructor(
    private readonly endpoint: string,
    private readonly clientId: string,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {}

  async signUp(email: string, password: string): Promise<SignUpResult> {
    const out = await this.call<{
      UserConfirmed?: boolean;
      CodeDeliveryDetails?: { Destination?: string };
    }>('SignUp', {
      ClientId: this.clientId,
      Username: email,
      Password: password,
      UserAttributes: [{ Name: 'email', Value: email }],
    });
    return {
      userConfirmed: out.UserConfirmed === true,
      codeDestination: out.CodeDeliveryDetails?.Destination,
    };
  }

  async confirmSignUp(email: string, code: string): Promise<void> {
    await this.call('ConfirmSignUp', { ClientId: this.clientId, Username: email, ConfirmationCode: code });
  }

  async resendConfirmationCode(email: string): Promise<void> {
    await this.call('ResendConfirmationCode', { ClientId: this.clientId, Username: email });
  }

  async signIn(email: string, password: string): Promise<AuthResult> {
    return this.initiateAuth('USER_PASSWORD_AUTH', { USERNAME: email, PASSWORD: password });
  }

  async refresh(refreshToken: string): Promise<AuthResult> {
    return this.initiateAuth('REFRESH_TOKEN_AUTH', { REFRESH_TOKEN: refreshToken });
  }

  /** Revokes the refresh token (and the tokens issued from it). */
  async revoke(refreshToken: string): Promise<void> {
    await this.call('RevokeToken', { ClientId: this.clientId, Token: refreshToken });
  }

  private async initiateAuth(flow: string, params: Record<string, string>): Promise<AuthResult> {
    const out = await this.call<{
      ChallengeName?: string;
      AuthenticationResult?: { IdToken?: string; AccessToken?: string; RefreshToken?: string; ExpiresIn?: number };
    }>('InitiateAuth', { AuthFlow: flow, ClientId: this.clientId, AuthParameters: params });
    const r = out.AuthenticationResult;
    if (!r?.IdToken || !r.AccessToken) {
      const what = out.ChallengeName ? `the ${out.ChallengeName} challenge` : 'a response without tokens';
      throw new CognitoError('UnsupportedChallenge', `Sign-in needs ${what}, which this app does not support.`, 200);
    }
    return {
      idToken: r.IdToken,
      accessToken: r.AccessToken,
      refreshToken: r.RefreshToken,
      expiresIn: typeof r.ExpiresIn === 'number' ? r.ExpiresIn : 3600,
    };
  }

  private async call<T = unknown>(operation: string, body: unknown): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchImpl(this.endpoint, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-amz-json-1.1',
          'X-Amz-Target': TARGET_PREFIX + operation,
        },
        body: JSON.stringify(body),
      });
    } catch {
      throw new CognitoError('NetworkError', 'Could not reach the sign-in service. Check your connection.', 0);
    }
    const text = await res.text();
    let json: Record<string, unknown> = {};
    if (text) {
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // fall through: non-JSON bodies are reported by status below
      }
    }
    if (!res.ok) {
      // "__type" may carry a namespace: "com.amazonaws.cognito#NotAuthorizedException".
      const rawType = String(json.__type ?? res.headers.get('x-amzn-ErrorType') ?? 'UnknownError');
      const code = rawType.split('#').pop()!.split(':')[0]!;
      const message = String(json.message ?? json.Message ?? `Sign-in service error (HTTP ${res.status})`);
      throw new CognitoError(code, userMessage(code, message), res.status);
    }
    return json as T;
  }
}
