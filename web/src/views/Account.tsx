// The account page: two-step sign-in with an authenticator app (where the pool lets users choose),
// change password, and sign out on this device or everywhere.

import { useEffect, useState } from 'react';
import type { TotpEnrollment } from '../auth/session';
import { CodeField, TotpKey } from '../components/Totp';
import {
  ErrorMessage,
  Loading,
  PageHeading,
  PasswordField,
  StatusMessage,
  SubmitButton,
  messageOf,
  useAnnounce,
  useFocusLater,
} from '../components/ui';
import { useRouter } from '../router';
import { useAuthState, useServices } from '../services';
import { useFormAction } from '../useFormAction';
import { useSignOut } from '../useSignOut';

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
  const form = useFormAction();
  const { busy, error, status, setError, setStatus } = form;
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

  const start = (replacing: boolean) =>
    form.run(async () => {
      const enrollment = await auth.startTotpEnrollment();
      setCode('');
      setView({ kind: 'enrolling', enrollment, replacing });
      focusCode();
    });

  const confirm = form.submit(
    async () => {
      await auth.confirmTotpEnrollment(code);
      const replaced = view.kind === 'enrolling' && view.replacing;
      setView({ kind: 'on' });
      setStatus(
        replaced
          ? 'Your new authenticator app is set up. Signing in now asks for its codes; the old app no longer works.'
          : 'Two-step sign-in is on. From now on, signing in asks for a code from your authenticator app.',
      );
      focusHeading();
    },
    {
      keepStatus: true,
      onError: (err) => {
        setError(messageOf(err));
        focusCode(true);
      },
    },
  );

  const turnOff = () =>
    form.run(async () => {
      await auth.disableTotp();
      setView({ kind: 'off' });
      setStatus('Two-step sign-in is off. Signing in asks for your password only.');
    });

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
              <SubmitButton busy={busy} busyLabel="Checking…">
                {view.replacing ? 'Use this app' : 'Turn on'}
              </SubmitButton>
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
  const { busy, error, status, setStatus, submit } = useFormAction();

  const onSubmit = submit(async () => {
    await auth.changePassword(current, next);
    setCurrent('');
    setNext('');
    setStatus('Your password is changed.');
  });

  return (
    <section aria-labelledby="password-heading" className="account-section">
      <h2 id="password-heading">Change password</h2>
      <form onSubmit={onSubmit} aria-busy={busy}>
        <PasswordField
          id="current-password"
          purpose="current"
          label="Current password"
          value={current}
          onChange={setCurrent}
        />
        <PasswordField id="new-password" purpose="new" value={next} onChange={setNext} />
        {error && <ErrorMessage message={error} testId="password-error" />}
        <StatusMessage testId="password-status">{status}</StatusMessage>
        <SubmitButton busy={busy} busyLabel="Changing…">Change password</SubmitButton>
      </form>
    </section>
  );
}

function SignOutSection() {
  const { auth } = useServices();
  const { navigate } = useRouter();
  const announce = useAnnounce();
  const signOut = useSignOut();
  const { busy, error, setError, run } = useFormAction();

  const everywhere = () =>
    run(
      async () => {
        await auth.signOutEverywhere();
        announce('Signed out on every device.');
        navigate('/signin', { replace: true });
        return 'left';
      },
      { onError: (err) => setError(`You are still signed in: ${messageOf(err)}`) },
    );

  return (
    <section aria-labelledby="signout-heading" className="account-section">
      <h2 id="signout-heading">Sign out</h2>
      <p>
        Signing out everywhere ends every session of your account, on this and all other devices and browsers. Each
        one has to sign in again.
      </p>
      {error && <ErrorMessage message={error} testId="signout-error" />}
      <div className="actions">
        <button type="button" onClick={signOut} disabled={busy}>
          Sign out on this device
        </button>
        <button type="button" onClick={() => void everywhere()} disabled={busy}>
          {busy ? 'Signing out everywhere…' : 'Sign out everywhere'}
        </button>
      </div>
    </section>
  );
}
