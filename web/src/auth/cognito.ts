// A small client for the Cognito user pool JSON API (the same calls the AWS SDKs make):
// POST <endpoint> with `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`.
// Real Cognito and the local issuer are reached by exactly this code; only the endpoint differs
// (config.json's cognitoEndpoint). Sign-in uses USER_PASSWORD_AUTH, refresh uses REFRESH_TOKEN_AUTH:
// the app client must allow both flows and have no client secret.
//
// Sign-in answers either tokens or a challenge (MFA_SETUP, SOFTWARE_TOKEN_MFA, ...): this client
// returns both as they are; what to do with a challenge is session.ts's business.

export interface AuthResult {
  idToken: string;
  accessToken: string;
  /** Absent on REFRESH_TOKEN_AUTH unless refresh-token rotation is on. */
  refreshToken?: string;
  /** Seconds until the access and ID tokens expire. */
  expiresIn: number;
}

/** A challenge Cognito answered instead of tokens (InitiateAuth or RespondToAuthChallenge). */
export interface ChallengeResult {
  /** e.g. MFA_SETUP, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE, NEW_PASSWORD_REQUIRED. */
  challengeName: string;
  /** Passed back with the answer; Cognito lets it live 3 minutes by default. */
  session: string;
  /** ChallengeParameters, e.g. USER_ID_FOR_SRP, MFAS_CAN_SETUP ('["SOFTWARE_TOKEN_MFA"]'). */
  parameters: Record<string, string>;
}

/** What InitiateAuth (USER_PASSWORD_AUTH) and RespondToAuthChallenge answer. */
export type SignInAnswer = { tokens: AuthResult } | { challenge: ChallengeResult };

/** The caller of AssociateSoftwareToken / VerifySoftwareToken: a signed-in user or a sign-in in progress. */
export type TokenOwner = { accessToken: string } | { session: string };

export interface SoftwareTokenAssociation {
  /** The TOTP key, base32 (what an authenticator app is given). */
  secretCode: string;
  /** A new session, when the call was made with one: the next call must use it. */
  session?: string;
}

export interface SignUpResult {
  userConfirmed: boolean;
  /** Where the code went, e.g. "a***@e***.com"; absent when no code was sent. */
  codeDestination?: string;
}

export interface UserMfa {
  /** UserMFASettingList includes SOFTWARE_TOKEN_MFA: sign-in asks for an authenticator code. */
  totpEnabled: boolean;
  preferred?: string;
}

/** An error answered by Cognito: `code` is the exception name, e.g. NotAuthorizedException. */
export class CognitoError extends Error {
  override name = 'CognitoError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** Cognito's own message, before userMessage() made it plain. */
    readonly cognitoMessage: string = message,
  ) {
    super(message);
  }
}

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';

/** Operations that carry a sign-in session: their NotAuthorizedException means the session is over. */
const SESSION_OPERATIONS = new Set(['RespondToAuthChallenge', 'AssociateSoftwareToken', 'VerifySoftwareToken']);

/**
 * True when a challenge answer failed because the sign-in session (3 minutes by default) expired or
 * was used up: the user has to start again with their password.
 */
export function isSessionExpired(err: unknown): boolean {
  return err instanceof CognitoError && err.code === 'SessionExpired';
}

/**
 * The message to show for a Cognito error, in plain words. Throttling and lockout answers ("Rate
 * exceeded", "Password attempts exceeded") become what to do; wrong and expired codes say which
 * code and what to try next, since the same exception means different things per operation.
 * Everything else is Cognito's own message, which is written for users.
 */
export function userMessage(code: string, message: string, operation = ''): string {
  switch (code) {
    case 'LimitExceededException':
      // Cognito allows 5 to 20 reset requests and code entries per user in a sliding hour.
      if (operation === 'ForgotPassword' || operation === 'ConfirmForgotPassword') {
        return 'Too many password-reset attempts for this account. Wait a while (up to an hour), then try again.';
      }
      return 'Too many attempts right now. Wait a moment, then try again.';
    case 'TooManyRequestsException':
    case 'TooManyFailedAttemptsException':
      return 'Too many attempts right now. Wait a moment, then try again.';
    case 'SessionExpired':
      return 'This sign-in took too long and has expired. Sign in again with your password.';
    case 'NotAuthorizedException':
      if (/password attempts exceeded/i.test(message)) {
        return 'Too many failed sign-in attempts for this account. Wait a few minutes, then try again.';
      }
      if (operation === 'ChangePassword' && /incorrect username or password/i.test(message)) {
        return 'Your current password is not correct.';
      }
      if (/access token has been revoked|access token has expired|invalid access token/i.test(message)) {
        return 'Your session has ended. Sign in again.';
      }
      break;
    case 'EnableSoftwareTokenMFAException':
      return 'That code does not match. Check that your authenticator app has the key shown here, then enter the code it shows now.';
    case 'CodeMismatchException':
      if (operation === 'VerifySoftwareToken') {
        return 'That code does not match. Check that your authenticator app has the key shown here, then enter the code it shows now.';
      }
      if (operation === 'RespondToAuthChallenge') {
        return 'That code is not correct. Enter the 6-digit code your authenticator app shows now.';
      }
      if (operation === 'ConfirmForgotPassword') {
        return 'That code is not correct. Use the code from the newest email we sent you, or ask for a new one.';
      }
      break;
    case 'ExpiredCodeException':
      if (operation === 'RespondToAuthChallenge' || operation === 'VerifySoftwareToken') {
        return 'That code has expired or was already used. Wait for your authenticator app to show a new code, then enter it.';
      }
      if (operation === 'ConfirmForgotPassword' || operation === 'ConfirmSignUp') {
        return 'That code has expired. Ask for a new code and use the one in the newest email.';
      }
      break;
    case 'SoftwareTokenMFANotFoundException':
      return 'No authenticator app is set up for this account yet.';
    case 'UserNotFoundException':
      if (operation === 'ForgotPassword' || operation === 'ConfirmForgotPassword') {
        return 'There is no account with this email address.';
      }
      break;
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

  /** USER_PASSWORD_AUTH: tokens, or the challenge the pool asks for first (MFA_SETUP, SOFTWARE_TOKEN_MFA, ...). */
  async signIn(email: string, password: string): Promise<SignInAnswer> {
    const out = await this.call<AuthAnswer>('InitiateAuth', {
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: this.clientId,
      AuthParameters: { USERNAME: email, PASSWORD: password },
    });
    return signInAnswer(out);
  }

  /** RespondToAuthChallenge: `responses` are the ChallengeResponses (USERNAME plus the answer). */
  async respondToChallenge(
    challengeName: string,
    session: string,
    responses: Record<string, string>,
  ): Promise<SignInAnswer> {
    const out = await this.call<AuthAnswer>('RespondToAuthChallenge', {
      ClientId: this.clientId,
      ChallengeName: challengeName,
      Session: session,
      ChallengeResponses: responses,
    });
    return signInAnswer(out);
  }

  async refresh(refreshToken: string): Promise<AuthResult> {
    const out = await this.call<AuthAnswer>('InitiateAuth', {
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      ClientId: this.clientId,
      AuthParameters: { REFRESH_TOKEN: refreshToken },
    });
    const answer = signInAnswer(out);
    if ('challenge' in answer) {
      throw new CognitoError(
        'UnsupportedChallenge',
        `Refreshing the session needs the ${answer.challenge.challengeName} challenge, which this app does not support.`,
        200,
      );
    }
    return answer.tokens;
  }

  /** Revokes the refresh token (and the tokens issued from it). */
  async revoke(refreshToken: string): Promise<void> {
    await this.call('RevokeToken', { ClientId: this.clientId, Token: refreshToken });
  }

  /** GlobalSignOut: revokes every refresh token of the user (all devices); the access token stops working too. */
  async globalSignOut(accessToken: string): Promise<void> {
    await this.call('GlobalSignOut', { AccessToken: accessToken });
  }

  /** AssociateSoftwareToken: a new TOTP key for the user (not in use until VerifySoftwareToken accepts a code). */
  async associateSoftwareToken(owner: TokenOwner): Promise<SoftwareTokenAssociation> {
    const out = await this.call<{ SecretCode?: string; Session?: string }>('AssociateSoftwareToken', ownerBody(owner));
    if (!out.SecretCode) throw new CognitoError('InvalidResponse', 'The sign-in service returned no authenticator key.', 200);
    return { secretCode: out.SecretCode, session: out.Session };
  }

  /**
   * VerifySoftwareToken: proves the user's authenticator app has the key. Resolves to the session to
   * answer MFA_SETUP with (when called with a session). A refused code throws: Cognito answers
   * EnableSoftwareTokenMFAException (or CodeMismatchException), or Status ERROR.
   */
  async verifySoftwareToken(owner: TokenOwner, code: string, friendlyDeviceName?: string): Promise<{ session?: string }> {
    const body: Record<string, string> = { ...ownerBody(owner), UserCode: code };
    if (friendlyDeviceName) body.FriendlyDeviceName = friendlyDeviceName;
    const out = await this.call<{ Status?: string; Session?: string }>('VerifySoftwareToken', body);
    if (out.Status !== 'SUCCESS') {
      throw new CognitoError(
        'EnableSoftwareTokenMFAException',
        userMessage('EnableSoftwareTokenMFAException', '', 'VerifySoftwareToken'),
        200,
        `VerifySoftwareToken answered Status ${String(out.Status)}`,
      );
    }
    return { session: out.Session };
  }

  /** SetUserMFAPreference for the authenticator app (TOTP): on (and preferred) or off. */
  async setSoftwareTokenMfa(accessToken: string, enabled: boolean): Promise<void> {
    await this.call('SetUserMFAPreference', {
      AccessToken: accessToken,
      SoftwareTokenMfaSettings: { Enabled: enabled, PreferredMfa: enabled },
    });
  }

  /** GetUser: which MFA factors the user has turned on. */
  async getUserMfa(accessToken: string): Promise<UserMfa> {
    const out = await this.call<{ UserMFASettingList?: string[]; PreferredMfaSetting?: string }>('GetUser', {
      AccessToken: accessToken,
    });
    return {
      totpEnabled: Array.isArray(out.UserMFASettingList) && out.UserMFASettingList.includes('SOFTWARE_TOKEN_MFA'),
      preferred: out.PreferredMfaSetting || undefined,
    };
  }

  /** ChangePassword for the signed-in user. */
  async changePassword(accessToken: string, previousPassword: string, proposedPassword: string): Promise<void> {
    await this.call('ChangePassword', {
      AccessToken: accessToken,
      PreviousPassword: previousPassword,
      ProposedPassword: proposedPassword,
    });
  }

  /** ForgotPassword: mails a code to reset the password with. Resolves to where it went ("a***@e***"). */
  async forgotPassword(email: string): Promise<{ codeDestination?: string }> {
    const out = await this.call<{ CodeDeliveryDetails?: { Destination?: string } }>('ForgotPassword', {
      ClientId: this.clientId,
      Username: email,
    });
    return { codeDestination: out.CodeDeliveryDetails?.Destination };
  }

  /** ConfirmForgotPassword: sets the new password with the mailed code. */
  async confirmForgotPassword(email: string, code: string, password: string): Promise<void> {
    await this.call('ConfirmForgotPassword', {
      ClientId: this.clientId,
      Username: email,
      ConfirmationCode: code,
      Password: password,
    });
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
      let code = rawType.split('#').pop()!.split(':')[0]!;
      const message = String(json.message ?? json.Message ?? `Sign-in service error (HTTP ${res.status})`);
      // "Invalid session for the user, session is expired." / "Invalid session for the user." /
      // "Invalid session provided": the challenge's session is over, not the password.
      if (code === 'NotAuthorizedException' && SESSION_OPERATIONS.has(operation) && /session/i.test(message)) {
        code = 'SessionExpired';
      }
      throw new CognitoError(code, userMessage(code, message, operation), res.status, message);
    }
    return json as T;
  }
}

interface AuthAnswer {
  ChallengeName?: string;
  Session?: string;
  ChallengeParameters?: Record<string, unknown>;
  AuthenticationResult?: { IdToken?: string; AccessToken?: string; RefreshToken?: string; ExpiresIn?: number };
}

function signInAnswer(out: AuthAnswer): SignInAnswer {
  const r = out.AuthenticationResult;
  if (r?.IdToken && r.AccessToken) {
    return {
      tokens: {
        idToken: r.IdToken,
        accessToken: r.AccessToken,
        refreshToken: r.RefreshToken,
        expiresIn: typeof r.ExpiresIn === 'number' ? r.ExpiresIn : 3600,
      },
    };
  }
  if (out.ChallengeName) {
    const parameters: Record<string, string> = {};
    for (const [k, v] of Object.entries(out.ChallengeParameters ?? {})) {
      if (typeof v === 'string') parameters[k] = v;
    }
    return { challenge: { challengeName: out.ChallengeName, session: out.Session ?? '', parameters } };
  }
  throw new CognitoError('InvalidResponse', 'The sign-in service answered without tokens or a next step.', 200);
}

function ownerBody(owner: TokenOwner): Record<string, string> {
  return 'accessToken' in owner ? { AccessToken: owner.accessToken } : { Session: owner.session };
}
