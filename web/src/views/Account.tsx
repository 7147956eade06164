// The account page: two-step sign-in with an authenticator app (where the pool lets users choose),
// change password, and sign out on this device or everywhere.

import { useEffect, useState, type FormEvent } from 'react';
import { PASSWORD_HINT } from '../auth/password';
import type { TotpEnrollment } from '../auth/session';
import { CodeField, TotpKey } from '../components/Totp';
import {
  ErrorMessage,
  Loading,
  PageHeading,
  StatusMessage,
  TextField,
  messageOf,
  useAnnounce,
  useFocusLater,
} from '../components/ui';
import { useRouter } from '../router';
import { useAuthState, useServices } from '../services';

export function Account() {
  const { config, auth } = useServices();
  const state = useAuthState();
  // config.json's mfa, or (when an older one has none) what this session's sign-in showed.
  const mfa = config.mfa ?? auth.learnedMfa();
  return (
    <section className="card" data-testid="account">
      <PageHeading title="Account">Account</PageHeading>
      {state.status === 'signedIn' && (
        <p>
          Signed in as <strong>{state.email}</strong>.
        </p>
      )}
      {mfa !== 'OFF' && <TwoStepSignIn required={mfa === 'ON'} />}
      <ChangePassword />
      <SignOutSection />
    </section>
  );
}

type MfaView =
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'off' }
  /** A key being set up; `replacing` when the user already has one (it keeps working until this one is verified). */
  | { kind: 'enrolling'; enrollment: TotpEnrollment; replacing: boolean }
  | { kind: 'on' };

function TwoStepSignIn({ required }: { required: boolean }) {
  const { auth } = useServices();
  const [view, setView] = useState<MfaView>({ kind: 'loading' });
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [code, setCode] = useState('');
  const [attempt, setAttempt] = useState(0);
  const [codeRef, focusCode] = useFocusLater<HTMLInputElement>();
  const [headingRef, focusHeading] = useFocusLater<HTMLHeadingElement>();

  useEffect(() => {
    let live = true;
    auth.getMfa().then(
      (m) => live && setView({ kind: m.totpEnabled ? 'on' : 'off' }),
      (err: unknown) => live && setView({ kind: 'error', message: messageOf(err) }),
    );
    return () => {
      live = false;
    };
  }, [auth, attempt]);

  async function start(replacing: boolean) {
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      const enrollment = await auth.startTotpEnrollment();
      setCode('');
      setView({ kind: 'enrolling', enrollment, replacing });
      focusCode();
    } catch (err) {
      setError(messageOf(err));
    }
    setBusy(false);
  }

  async function confirm(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await auth.confirmTotpEnrollment(code);
      const replaced = view.kind === 'enrolling' && view.replacing;
      setView({ kind: 'on' });
      setStatus(
        replaced
          ? 'Your new authenticator app is set up. Signing in now asks for its codes; the old app no longer works.'
          : 'Two-step sign-in is on. From now on, signing in asks for a code from your authenticator app.',
      );
      focusHeading();
    } catch (err) {
      setError(messageOf(err));
      focusCode(true);
    }
    setBusy(false);
  }

  async function turnOff() {
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      await auth.disableTotp();
      setView({ kind: 'off' });
      setStatus('Two-step sign-in is off. Signing in asks for your password only.');
    } catch (err) {
      setError(messageOf(err));
    }
    setBusy(false);
  }

  function cancel() {
    const replacing = view.kind === 'enrolling' && view.replacing;
    setView({ kind: replacing ? 'on' : 'off' });
    setError(null);
    setStatus(replacing ? 'Your authenticator app was not changed.' : 'Two-step sign-in was not turned on.');
    focusHeading();
  }

  const stateText =
    view.kind === 'on' || (view.kind === 'enrolling' && view.replacing)
      ? 'On'
      : view.kind === 'off' || view.kind === 'enrolling'
        ? 'Off'
        : '';

  return (
    <section aria-labelledby="mfa-heading" className="account-section">
      <h2 id="mfa-heading" ref={headingRef} tabIndex={-1}>
        Two-step sign-in
      </h2>
      <p>
        With two-step sign-in, signing in asks for your password and a code from an authenticator app on your phone.
      </p>
      {view.kind === 'loading' && <Loading label="Loading your sign-in settings…" />}
      {view.kind === 'error' && (
        <ErrorMessage message={view.message} testId="mfa-load-error" onRetry={() => setAttempt((n) => n + 1)} />
      )}
      {stateText && (
        <p>
          Status: <strong data-testid="mfa-status">{stateText}</strong>
        </p>
      )}
      {view.kind === 'on' && (
        <>
          {required && (
            <p data-testid="mfa-required">This site requires two-step sign-in for every account, so it stays on.</p>
          )}
          <div className="actions">
            <button type="button" onClick={() => void start(true)} disabled={busy}>
              Use a different authenticator app
            </button>
            {!required && (
              <button type="button" onClick={() => void turnOff()} disabled={busy}>
                Turn off two-step sign-in
              </button>
            )}
          </div>
        </>
      )}
      {view.kind === 'off' && (
        <button type="button" className="primary" onClick={() => void start(false)} disabled={busy}>
          {busy ? 'Preparing…' : 'Set up an authenticator app'}
        </button>
      )}
      {view.kind === 'enrolling' && (
        <>
          <TotpKey secret={view.enrollment.secret} uri={view.enrollment.uri} idPrefix="enroll" />
          {view.replacing && (
            <p>Your current authenticator app keeps working until the new one is verified.</p>
          )}
          <form onSubmit={confirm} aria-busy={busy} aria-label={view.replacing ? 'Use the new authenticator app' : 'Turn on two-step sign-in'}>
            <CodeField
              id="enroll-code"
              value={code}
              onChange={setCode}
              inputRef={codeRef}
              errorId={error ? 'mfa-error' : undefined}
            />
            {error && <ErrorMessage message={error} testId="mfa-error" id="mfa-error" />}
            <div className="actions">
              <button type="submit" className="primary" disabled={busy}>
                {busy ? 'Checking…' : view.replacing ? 'Use this app' : 'Turn on'}
              </button>
              <button type="button" onClick={cancel} disabled={busy}>
                Cancel
              </button>
            </div>
          </form>
        </>
      )}
      {view.kind !== 'enrolling' && error && <ErrorMessage message={error} testId="mfa-error" />}
      <StatusMessage testId="mfa-status-message">{status}</StatusMessage>
    </section>
  );
}

function ChangePassword() {
  const { auth } = useServices();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      await auth.changePassword(current, next);
      setCurrent('');
      setNext('');
      setStatus('Your password is changed.');
    } catch (err) {
      setError(messageOf(err));
    }
    setBusy(false);
  }

  return (
    <section aria-labelledby="password-heading" className="account-section">
      <h2 id="password-heading">Change password</h2>
      <form onSubmit={onSubmit} aria-busy={busy}>
        <TextField
          id="current-password"
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={setCurrent}
        />
        <TextField
          id="new-password"
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          hint={PASSWORD_HINT}
          value={next}
          onChange={setNext}
        />
        {error && <ErrorMessage message={error} testId="password-error" />}
        <StatusMessage testId="password-status">{status}</StatusMessage>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Changing…' : 'Change password'}
        </button>
      </form>
    </section>
  );
}

function SignOutSection() {
  const { auth } = useServices();
  const { navigate } = useRouter();
  const announce = useAnnounce();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function everywhere() {
    setBusy(true);
    setError(null);
    try {
      await auth.signOutEverywhere();
      announce('Signed out on every device.');
      navigate('/signin', { replace: true });
    } catch (err) {
      setError(`You are still signed in: ${messageOf(err)}`);
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="signout-heading" className="account-section">
      <h2 id="signout-heading">Sign out</h2>
      <p>
        Signing out everywhere ends every session of your account, on this and all other devices and browsers. Each
        one has to sign in again.
      </p>
      {error && <ErrorMessage message={error} testId="signout-error" />}
      <div className="actions">
        <button
          type="button"
          onClick={() => {
            void auth.signOut();
            announce('Signed out.');
            navigate('/signin', { replace: true });
          }}
          disabled={busy}
        >
          Sign out on this device
        </button>
        <button type="button" onClick={() => void everywhere()} disabled={busy}>
          {busy ? 'Signing out everywhere…' : 'Sign out everywhere'}
        </button>
      </div>
    </section>
  );
}
