// The one place that knows about tokens: sign-in (with its challenges) and sign-out, where tokens
// live (memory plus this tab's sessionStorage), refreshing them before they expire, and the account
// operations that need the access token.

import {
  CognitoError,
  type AuthResult,
  type ChallengeResult,
  type CognitoClient,
  type SignInAnswer,
  type SignUpResult,
  type UserMfa,
} from './cognito';
import { decodeClaims } from './jwt';
import { normalizeCode, totpUri } from './totp';

export interface Session {
  idToken: string;
  accessToken: string;
  refreshToken: string;
  /** Epoch ms at which the ID/access tokens expire (client clock). */
  expiresAt: number;
  email: string;
  /** Cognito asked this sign-in for MFA_SETUP: the pool requires MFA (config.json's mfa may not say). */
  mfaRequired?: boolean;
}

export type AuthState =
  | { status: 'signedOut'; reason?: 'expired' | 'everywhere' }
  | { status: 'signedIn'; email: string };

/** A sign-in that Cognito answered with a challenge: what the next answer needs. Opaque to views. */
export interface PendingSignIn {
  readonly email: string;
  /** ChallengeResponses' USERNAME: USER_ID_FOR_SRP when Cognito gave one (it may differ from the email). */
  readonly username: string;
  readonly challengeName: string;
  readonly session: string;
}

/** Where a sign-in stands after each step. */
export type SignInStep =
  | { kind: 'signedIn' }
  /** SOFTWARE_TOKEN_MFA: ask for the code of the user's authenticator app. */
  | { kind: 'totp'; pending: PendingSignIn }
  /** MFA_SETUP: the pool requires an authenticator app and the user has none; show the key and ask for a code. */
  | { kind: 'setupTotp'; pending: PendingSignIn; secret: string; uri: string }
  /** NEW_PASSWORD_REQUIRED: an administrator created the account with a temporary password; ask for a new one. */
  | { kind: 'newPassword'; pending: PendingSignIn }
  /** A challenge this app cannot answer: `message` names it and says what to do. */
  | { kind: 'unsupported'; challengeName: string; message: string };

/** A TOTP key being set up from the account page. */
export interface TotpEnrollment {
  secret: string;
  uri: string;
}

/** Parses a JSON list challenge parameter such as MFAS_CAN_SETUP ('["SOFTWARE_TOKEN_MFA"]'). */
function listParameter(value: string | undefined): string[] | null {
  if (value === undefined) return null;
  try {
    const v = JSON.parse(value) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return value.split(/[\s,]+/).filter(Boolean);
  }
}

/** What to tell the user when Cognito asks for a challenge this app does not answer. */
export function unsupportedChallengeMessage(name: string, detail?: string): string {
  const contact = "Contact the site's administrator";
  switch (name) {
    case 'SMS_MFA':
    case 'SMS_OTP':
      return `This account signs in with a code sent by text message (Cognito's ${name} challenge), which this app does not support. ${contact} to switch your account to an authenticator app.`;
    case 'EMAIL_OTP':
    case 'EMAIL_MFA':
      return `This account signs in with a code sent by email (Cognito's ${name} challenge), which this app does not support. ${contact} to switch your account to an authenticator app.`;
    case 'MFA_SETUP':
      return `This account must set up two-step sign-in with ${detail ?? 'a method'} this app does not offer (Cognito's MFA_SETUP challenge). ${contact}.`;
    case 'SELECT_MFA_TYPE':
      return `This account must choose between ${detail ?? 'two-step sign-in methods'} that this app does not offer (Cognito's SELECT_MFA_TYPE challenge). ${contact}.`;
    case 'NEW_PASSWORD_REQUIRED':
      return `This account must set a new password and also ${detail ?? 'more details'} first (Cognito's NEW_PASSWORD_REQUIRED challenge), which this app cannot ask for. ${contact}.`;
    default:
      return `Sign-in needs Cognito's ${name} challenge, which this app does not support. ${contact} and mention "${name}".`;
  }
}

/** Timer functions, injectable so tests control time. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

export type CognitoApi = Pick<
  CognitoClient,
  | 'signUp'
  | 'confirmSignUp'
  | 'resendConfirmationCode'
  | 'signIn'
  | 'respondToChallenge'
  | 'refresh'
  | 'revoke'
  | 'globalSignOut'
  | 'associateSoftwareToken'
  | 'verifySoftwareToken'
  | 'setSoftwareTokenMfa'
  | 'getUserMfa'
  | 'changePassword'
  | 'forgotPassword'
  | 'confirmForgotPassword'
>;

export interface AuthOptions {
  /** Where the session survives a reload; null keeps it in memory only. Default: sessionStorage. */
  storage?: Storage | null;
  clock?: Clock;
  /** Refresh this long before expiry (capped at half the token lifetime). Default: 5 minutes. */
  refreshMarginMs?: number;
  /** Retry delay after a refresh failed for a transient reason. Default: 30 s. */
  retryDelayMs?: number;
}

export const STORAGE_KEY = 'stratus.session';

/** Cognito answers these when the refresh token is expired, revoked or unknown: the session is over. */
const SESSION_OVER = new Set(['NotAuthorizedException', 'UserNotFoundException', 'UserNotConfirmedException']);

/** An access-token call refused because the token was revoked (GlobalSignOut elsewhere) or expired. */
function accessTokenRefused(err: unknown): boolean {
  return (
    err instanceof CognitoError &&
    err.code === 'NotAuthorizedException' &&
    /access token|token has been revoked|user has been signed out|expired/i.test(err.cognitoMessage)
  );
}

function defaultStorage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}

export class AuthManager {
  private session: Session | null = null;
  private state: AuthState = { status: 'signedOut' };
  private listeners = new Set<(s: AuthState) => void>();
  private timer: unknown = null;
  private inflight: Promise<Session | null> | null = null;
  private readonly storage: Storage | null;
  private readonly clock: Clock;
  private readonly marginMs: number;
  private readonly retryMs: number;

  constructor(
    private readonly cognito: CognitoApi,
    opts: AuthOptions = {},
  ) {
    this.storage = opts.storage === undefined ? defaultStorage() : opts.storage;
    this.clock = opts.clock ?? realClock;
    this.marginMs = opts.refreshMarginMs ?? 5 * 60_000;
    this.retryMs = opts.retryDelayMs ?? 30_000;
  }

  getState(): AuthState {
    return this.state;
  }

  /** Calls listener on every state change; returns the unsubscribe function. */
  subscribe(listener: (s: AuthState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Picks up a session saved by this tab (e.g. before a reload) and schedules its refresh. */
  restore(): void {
    const raw = this.storage?.getItem(STORAGE_KEY);
    if (!raw) return;
    try {
      const s = JSON.parse(raw) as Partial<Session>;
      if (s.idToken && s.accessToken && s.refreshToken && typeof s.expiresAt === 'number') {
        this.setSession({ ...(s as Session), email: s.email ?? '' });
        return;
      }
    } catch {
      // ignore a corrupt entry
    }
    this.storage?.removeItem(STORAGE_KEY);
  }

  signUp(email: string, password: string): Promise<SignUpResult> {
    return this.cognito.signUp(email, password);
  }

  confirmSignUp(email: string, code: string): Promise<void> {
    return this.cognito.confirmSignUp(email, code);
  }

  resendCode(email: string): Promise<void> {
    return this.cognito.resendConfirmationCode(email);
  }

  forgotPassword(email: string): Promise<{ codeDestination?: string }> {
    return this.cognito.forgotPassword(email);
  }

  confirmForgotPassword(email: string, code: string, password: string): Promise<void> {
    return this.cognito.confirmForgotPassword(email, normalizeCode(code), password);
  }

  /** Starts a sign-in with the password: signed in, or the challenge to answer next. */
  async signIn(email: string, password: string): Promise<SignInStep> {
    return this.next(email, await this.cognito.signIn(email, password));
  }

  /**
   * Answers SOFTWARE_TOKEN_MFA with the authenticator code. A wrong or expired code throws
   * (CodeMismatchException / ExpiredCodeException) and `pending` stays usable for another try until
   * its session expires (isSessionExpired).
   */
  async answerTotp(pending: PendingSignIn, code: string): Promise<SignInStep> {
    const answer = await this.cognito.respondToChallenge('SOFTWARE_TOKEN_MFA', pending.session, {
      USERNAME: pending.username,
      SOFTWARE_TOKEN_MFA_CODE: normalizeCode(code),
    });
    return this.next(pending.email, answer);
  }

  /**
   * Answers NEW_PASSWORD_REQUIRED (a temporary password from an administrator) with the user's new
   * password. A password the policy refuses throws (InvalidPasswordException) and `pending` stays
   * usable; Cognito may answer with the next challenge (MFA_SETUP where MFA is required).
   */
  async setNewPassword(pending: PendingSignIn, newPassword: string): Promise<SignInStep> {
    const answer = await this.cognito.respondToChallenge('NEW_PASSWORD_REQUIRED', pending.session, {
      USERNAME: pending.username,
      NEW_PASSWORD: newPassword,
    });
    return this.next(pending.email, answer);
  }

  /**
   * Finishes MFA_SETUP: VerifySoftwareToken with the sign-in session and the code, then
   * RespondToAuthChallenge(MFA_SETUP) with the session it returns. A refused code throws and
   * `pending` stays usable for another try.
   */
  async completeTotpSetup(pending: PendingSignIn, code: string): Promise<SignInStep> {
    const verified = await this.cognito.verifySoftwareToken({ session: pending.session }, normalizeCode(code), 'Authenticator app');
    const answer = await this.cognito.respondToChallenge('MFA_SETUP', verified.session ?? pending.session, {
      USERNAME: pending.username,
    });
    return this.next(pending.email, answer, true);
  }

  /**
   * "ON" when this session's sign-in had to set up MFA (only pools with MfaConfiguration ON ask
   * for MFA_SETUP); otherwise unknown. For a config.json without `mfa`.
   */
  learnedMfa(): 'ON' | undefined {
    return this.session?.mfaRequired ? 'ON' : undefined;
  }

  private async next(email: string, answer: SignInAnswer, mfaRequired = false): Promise<SignInStep> {
    if ('tokens' in answer) {
      const result = answer.tokens;
      if (!result.refreshToken) {
        throw new CognitoError('MissingRefreshToken', 'Sign-in returned no refresh token.', 200);
      }
      const session = this.toSession(result, result.refreshToken, email);
      if (mfaRequired) session.mfaRequired = true;
      this.setSession(session);
      return { kind: 'signedIn' };
    }
    return this.challengeStep(email, answer.challenge);
  }

  private async challengeStep(email: string, c: ChallengeResult): Promise<SignInStep> {
    const pending: PendingSignIn = {
      email,
      username: c.parameters.USER_ID_FOR_SRP || c.parameters.USERNAME || email,
      challengeName: c.challengeName,
      session: c.session,
    };
    switch (c.challengeName) {
      case 'SOFTWARE_TOKEN_MFA':
        return { kind: 'totp', pending };
      case 'NEW_PASSWORD_REQUIRED': {
        // requiredAttributes: attributes the pool needs and the user lacks ("userAttributes.name"); this app asks for none.
        const required = listParameter(c.parameters.requiredAttributes) ?? [];
        if (required.length > 0) {
          const names = required.map((a) => a.replace(/^userAttributes\./, '')).join(', ');
          return { kind: 'unsupported', challengeName: c.challengeName, message: unsupportedChallengeMessage('NEW_PASSWORD_REQUIRED', names) };
        }
        return { kind: 'newPassword', pending };
      }
      case 'MFA_SETUP': {
        const can = listParameter(c.parameters.MFAS_CAN_SETUP);
        if (can !== null && !can.includes('SOFTWARE_TOKEN_MFA')) {
          return { kind: 'unsupported', challengeName: c.challengeName, message: unsupportedChallengeMessage('MFA_SETUP', can.join(' or ')) };
        }
        const assoc = await this.cognito.associateSoftwareToken({ session: c.session });
        return {
          kind: 'setupTotp',
          pending: { ...pending, session: assoc.session ?? c.session },
          secret: assoc.secretCode,
          uri: totpUri(assoc.secretCode, email),
        };
      }
      case 'SELECT_MFA_TYPE': {
        // Only reached when the user has more than one factor; the authenticator app is the one this app speaks.
        const can = listParameter(c.parameters.MFAS_CAN_CHOOSE);
        if (can !== null && !can.includes('SOFTWARE_TOKEN_MFA')) {
          return { kind: 'unsupported', challengeName: c.challengeName, message: unsupportedChallengeMessage('SELECT_MFA_TYPE', can.join(' or ')) };
        }
        const answer = await this.cognito.respondToChallenge('SELECT_MFA_TYPE', c.session, {
          USERNAME: pending.username,
          ANSWER: 'SOFTWARE_TOKEN_MFA',
        });
        return this.next(email, answer);
      }
      default:
        return { kind: 'unsupported', challengeName: c.challengeName, message: unsupportedChallengeMessage(c.challengeName) };
    }
  }

  // ---- Account (needs the access token) -----------------------------------------------------

  /** Which MFA factors the signed-in user has on (GetUser). */
  getMfa(): Promise<UserMfa> {
    return this.withAccessToken((t) => this.cognito.getUserMfa(t));
  }

  changePassword(previousPassword: string, proposedPassword: string): Promise<void> {
    return this.withAccessToken((t) => this.cognito.changePassword(t, previousPassword, proposedPassword));
  }

  /** AssociateSoftwareToken for the signed-in user: the key to show. Not in use until confirmTotpEnrollment. */
  async startTotpEnrollment(): Promise<TotpEnrollment> {
    const email = this.session?.email ?? '';
    const assoc = await this.withAccessToken((t) => this.cognito.associateSoftwareToken({ accessToken: t }));
    return { secret: assoc.secretCode, uri: totpUri(assoc.secretCode, email) };
  }

  /** VerifySoftwareToken with a code from the app, then SetUserMFAPreference: sign-in asks for a code from now on. */
  async confirmTotpEnrollment(code: string): Promise<void> {
    await this.withAccessToken((t) => this.cognito.verifySoftwareToken({ accessToken: t }, normalizeCode(code), 'Authenticator app'));
    await this.withAccessToken((t) => this.cognito.setSoftwareTokenMfa(t, true));
  }

  /** SetUserMFAPreference off: sign-in no longer asks for a code (only where the pool makes MFA optional). */
  disableTotp(): Promise<void> {
    return this.withAccessToken((t) => this.cognito.setSoftwareTokenMfa(t, false));
  }

  /**
   * GlobalSignOut: every refresh token of the user is revoked (every device), then this session is
   * forgotten. Throws (and keeps the session) when Cognito could not be reached, so the user is never
   * told they are signed out everywhere when they are not.
   */
  async signOutEverywhere(): Promise<void> {
    const s = this.session;
    if (!s) return;
    try {
      await this.withAccessToken((t) => this.cognito.globalSignOut(t));
    } catch (err) {
      // Already signed out everywhere (from another device): the goal is reached.
      if (!(err instanceof CognitoError && SESSION_OVER.has(err.code)) || this.session) throw err;
    }
    this.clear({ status: 'signedOut', reason: 'everywhere' });
  }

  /** The access token, refreshed first when it is expired or about to be. */
  private async getAccessToken(): Promise<string> {
    const s = this.session;
    if (!s) throw new CognitoError('NotSignedIn', 'You are signed out. Sign in again.', 0);
    if (this.clock.now() < s.expiresAt - 10_000) return s.accessToken;
    const fresh = await this.refreshNow();
    if (!fresh) throw new CognitoError('NotSignedIn', 'Your session has expired. Sign in again.', 0);
    return fresh.accessToken;
  }

  /**
   * Runs an access-token call; when Cognito refuses the token (revoked or expired), refreshes once
   * and retries. If the refresh fails too the session is over (signed out with reason "expired").
   */
  private async withAccessToken<T>(fn: (accessToken: string) => Promise<T>): Promise<T> {
    const token = await this.getAccessToken();
    try {
      return await fn(token);
    } catch (err) {
      if (!accessTokenRefused(err)) throw err;
      const fresh = await this.refreshNow();
      if (!fresh) throw err;
      return fn(fresh.accessToken);
    }
  }

  /** Forgets the session at once, then revokes the refresh token (best effort). */
  async signOut(): Promise<void> {
    const refreshToken = this.session?.refreshToken;
    this.clear({ status: 'signedOut' });
    if (refreshToken) {
      try {
        await this.cognito.revoke(refreshToken);
      } catch {
        // The local session is gone either way; an unrevoked refresh token expires on its own.
      }
    }
  }

  /**
   * The ID token to send as `Authorization`, refreshed first when it is expired or about to be.
   * Null when signed out.
   */
  async getIdToken(): Promise<string | null> {
    const s = this.session;
    if (!s) return null;
    if (this.clock.now() < s.expiresAt - 10_000) return s.idToken;
    const fresh = await this.refreshNow();
    return fresh?.idToken ?? null;
  }

  /** Refreshes now (e.g. after the API answered 401). Resolves to the new session, or null if it ended. */
  refreshNow(): Promise<Session | null> {
    if (!this.session) return Promise.resolve(null);
    if (!this.inflight) {
      this.inflight = this.doRefresh().finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  /** Ends the session because the API rejected it even after a refresh. */
  expire(): void {
    if (this.session) this.clear({ status: 'signedOut', reason: 'expired' });
  }

  private async doRefresh(): Promise<Session | null> {
    const current = this.session;
    if (!current) return null;
    try {
      const result = await this.cognito.refresh(current.refreshToken);
      if (this.session !== current) return this.session; // signed out (or in again) meanwhile
      const next = this.toSession(result, result.refreshToken ?? current.refreshToken, current.email);
      if (current.mfaRequired) next.mfaRequired = true;
      this.setSession(next);
      return next;
    } catch (err) {
      if (this.session !== current) return this.session;
      if (err instanceof CognitoError && SESSION_OVER.has(err.code)) {
        this.clear({ status: 'signedOut', reason: 'expired' });
        return null;
      }
      // Transient (network, throttling): keep the session while its tokens are valid and try again.
      if (this.clock.now() >= current.expiresAt) {
        this.schedule(this.retryMs);
        return null;
      }
      this.schedule(Math.min(this.retryMs, Math.max(0, current.expiresAt - this.clock.now())));
      return current;
    }
  }

  private toSession(result: AuthResult, refreshToken: string, fallbackEmail = ''): Session {
    const claims = decodeClaims(result.idToken);
    return {
      idToken: result.idToken,
      accessToken: result.accessToken,
      refreshToken,
      expiresAt: this.clock.now() + result.expiresIn * 1000,
      email: typeof claims.email === 'string' ? claims.email : fallbackEmail,
    };
  }

  private setSession(s: Session): void {
    this.session = s;
    try {
      this.storage?.setItem(STORAGE_KEY, JSON.stringify(s));
    } catch {
      // storage full or disabled: memory only
    }
    const lifetime = Math.max(0, s.expiresAt - this.clock.now());
    const margin = Math.min(this.marginMs, lifetime / 2);
    this.schedule(Math.max(0, s.expiresAt - margin - this.clock.now()));
    if (this.state.status !== 'signedIn' || this.state.email !== s.email) {
      this.emit({ status: 'signedIn', email: s.email });
    }
  }

  private schedule(delayMs: number): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      void this.refreshNow();
    }, delayMs);
  }

  private clear(next: AuthState): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.session = null;
    this.storage?.removeItem(STORAGE_KEY);
    this.emit(next);
  }

  private emit(next: AuthState): void {
    this.state = next;
    for (const l of [...this.listeners]) l(next);
  }
}
