// The one place that knows about tokens: sign-in/out, where tokens live (memory plus this tab's
// sessionStorage), and refreshing them before they expire.

import { CognitoError, type AuthResult, type CognitoClient, type SignUpResult } from './cognito';
import { decodeClaims } from './jwt';

export interface Session {
  idToken: string;
  accessToken: string;
  refreshToken: string;
  /** Epoch ms at which the ID/access tokens expire (client clock). */
  expiresAt: number;
  email: string;
}

export type AuthState =
  | { status: 'signedOut'; reason?: 'expired' }
  | { status: 'signedIn'; email: string };

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
  'signUp' | 'confirmSignUp' | 'resendConfirmationCode' | 'signIn' | 'refresh' | 'revoke'
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

  async signIn(email: string, password: string): Promise<void> {
    const result = await this.cognito.signIn(email, password);
    if (!result.refreshToken) {
      throw new CognitoError('MissingRefreshToken', 'Sign-in returned no refresh token.', 200);
    }
    this.setSession(this.toSession(result, result.refreshToken));
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
      const next = this.toSession(result, result.refreshToken ?? current.refreshToken);
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

  private toSession(result: AuthResult, refreshToken: string): Session {
    const claims = decodeClaims(result.idToken);
    return {
      idToken: result.idToken,
      accessToken: result.accessToken,
      refreshToken,
      expiresAt: this.clock.now() + result.expiresIn * 1000,
      email: typeof claims.email === 'string' ? claims.email : '',
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
