import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CognitoError, type AuthResult } from './cognito';
import { AuthManager, STORAGE_KEY, type AuthState, type Clock, type CognitoApi } from './session';

/** A clock whose timers run only when the test advances time. */
class FakeClock implements Clock {
  t = 1_000_000;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.next++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.timers.delete(h as number);
  };
  /** The time at which the single pending timer fires. */
  pendingAt(): number[] {
    return [...this.timers.values()].map((x) => x.at);
  }
  async advance(ms: number) {
    const until = this.t + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, x]) => x.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
      await flush();
    }
    this.t = until;
  }
}

async function flush() {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

function jwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${b64({ alg: 'RS256' })}.${b64(claims)}.sig`;
}

function result(n: number, over: Partial<AuthResult> = {}): AuthResult {
  return {
    idToken: jwt({ email: 'ann@example.com', n }),
    accessToken: `access-${n}`,
    refreshToken: 'refresh-1',
    expiresIn: 3600,
    ...over,
  };
}

function fakeCognito() {
  let n = 0;
  return {
    signUp: vi.fn(),
    confirmSignUp: vi.fn(),
    resendConfirmationCode: vi.fn(),
    signIn: vi.fn(async () => result(++n)),
    refresh: vi.fn(async () => result(++n, { refreshToken: undefined })),
    revoke: vi.fn(async () => {}),
  } satisfies CognitoApi;
}

const HOUR = 3_600_000;
const MIN = 60_000;

describe('AuthManager', () => {
  let clock: FakeClock;
  let cognito: ReturnType<typeof fakeCognito>;
  let states: AuthState[];
  let auth: AuthManager;

  beforeEach(() => {
    clock = new FakeClock();
    cognito = fakeCognito();
    states = [];
    auth = new AuthManager(cognito, { storage: sessionStorage, clock });
    auth.subscribe((s) => states.push(s));
  });

  it('signs in, keeps the session in sessionStorage and schedules a refresh 5 minutes before expiry', async () => {
    await auth.signIn('ann@example.com', 'pw');
    expect(cognito.signIn).toHaveBeenCalledWith('ann@example.com', 'pw');
    expect(auth.getState()).toEqual({ status: 'signedIn', email: 'ann@example.com' });
    expect(JSON.parse(sessionStorage.getItem(STORAGE_KEY)!)).toMatchObject({
      refreshToken: 'refresh-1',
      expiresAt: clock.t + HOUR,
    });
    expect(clock.pendingAt()).toEqual([clock.t + HOUR - 5 * MIN]);
  });

  it('refreshes with the refresh token when the timer fires, keeps the refresh token and reschedules', async () => {
    await auth.signIn('ann@example.com', 'pw');
    const first = await auth.getIdToken();

    await clock.advance(HOUR - 5 * MIN - 1);
    expect(cognito.refresh).not.toHaveBeenCalled();
    await clock.advance(1);
    expect(cognito.refresh).toHaveBeenCalledWith('refresh-1');

    const second = await auth.getIdToken();
    expect(second).not.toBe(first);
    expect(JSON.parse(sessionStorage.getItem(STORAGE_KEY)!).refreshToken).toBe('refresh-1');
    expect(clock.pendingAt()).toEqual([clock.t + HOUR - 5 * MIN]);
    // Still one signed-in state: a refresh is not a new sign-in.
    expect(states).toEqual([{ status: 'signedIn', email: 'ann@example.com' }]);
  });

  it('caps the margin at half the lifetime for short-lived tokens', async () => {
    cognito.signIn.mockResolvedValueOnce(result(1, { expiresIn: 240 }));
    await auth.signIn('ann@example.com', 'pw');
    expect(clock.pendingAt()).toEqual([clock.t + 120_000]);
  });

  it('refreshes before handing out an expired token, sharing one refresh between callers', async () => {
    await auth.signIn('ann@example.com', 'pw');
    clock.t += HOUR; // timers did not run (e.g. the tab slept)
    const [a, b] = await Promise.all([auth.getIdToken(), auth.getIdToken()]);
    expect(a).toBe(b);
    expect(cognito.refresh).toHaveBeenCalledTimes(1);
  });

  it('signs out with reason "expired" when the refresh token is rejected', async () => {
    await auth.signIn('ann@example.com', 'pw');
    cognito.refresh.mockRejectedValueOnce(new CognitoError('NotAuthorizedException', 'Refresh Token has expired', 400));
    await clock.advance(HOUR);
    expect(auth.getState()).toEqual({ status: 'signedOut', reason: 'expired' });
    expect(sessionStorage.getItem(STORAGE_KEY)).toBeNull();
    expect(await auth.getIdToken()).toBeNull();
    expect(clock.pendingAt()).toEqual([]);
  });

  it('retries after a transient failure and keeps the session while its token is valid', async () => {
    auth = new AuthManager(cognito, { storage: null, clock, retryDelayMs: 30_000 });
    await auth.signIn('ann@example.com', 'pw');
    cognito.refresh.mockRejectedValueOnce(new CognitoError('NetworkError', 'offline', 0));
    await clock.advance(HOUR - 5 * MIN);
    expect(cognito.refresh).toHaveBeenCalledTimes(1);
    expect(auth.getState().status).toBe('signedIn');
    expect(clock.pendingAt()).toEqual([clock.t + 30_000]);
    await clock.advance(30_000);
    expect(cognito.refresh).toHaveBeenCalledTimes(2);
    expect(clock.pendingAt()).toEqual([clock.t + HOUR - 5 * MIN]);
  });

  it('keeps the session when the refresh is throttled (TooManyRequestsException)', async () => {
    await auth.signIn('ann@example.com', 'pw');
    cognito.refresh.mockRejectedValueOnce(new CognitoError('TooManyRequestsException', 'Rate exceeded', 400));
    await clock.advance(HOUR - 5 * MIN);
    expect(auth.getState().status).toBe('signedIn');
    expect(await auth.getIdToken()).not.toBeNull();
  });

  it('restores a saved session after a reload', async () => {
    await auth.signIn('ann@example.com', 'pw');
    const token = await auth.getIdToken();
    const reloaded = new AuthManager(cognito, { storage: sessionStorage, clock: new FakeClock() });
    reloaded.restore();
    expect(reloaded.getState()).toEqual({ status: 'signedIn', email: 'ann@example.com' });
    expect(await reloaded.getIdToken()).toBe(token);
  });

  it('ignores a corrupt saved session', () => {
    sessionStorage.setItem(STORAGE_KEY, '{"idToken":');
    auth.restore();
    expect(auth.getState().status).toBe('signedOut');
    expect(sessionStorage.getItem(STORAGE_KEY)).toBeNull();
  });

  it('signs out at once and revokes the refresh token, even if revoking fails', async () => {
    await auth.signIn('ann@example.com', 'pw');
    cognito.revoke.mockRejectedValueOnce(new Error('offline'));
    await auth.signOut();
    expect(auth.getState()).toEqual({ status: 'signedOut' });
    expect(cognito.revoke).toHaveBeenCalledWith('refresh-1');
    expect(sessionStorage.getItem(STORAGE_KEY)).toBeNull();
    expect(clock.pendingAt()).toEqual([]);
  });

  it('drops a refresh that finishes after sign-out', async () => {
    await auth.signIn('ann@example.com', 'pw');
    let finish!: (r: AuthResult) => void;
    cognito.refresh.mockImplementationOnce(() => new Promise<AuthResult>((r) => (finish = r)));
    const pending = auth.refreshNow();
    await auth.signOut();
    finish(result(9));
    expect(await pending).toBeNull();
    expect(auth.getState().status).toBe('signedOut');
  });
});
