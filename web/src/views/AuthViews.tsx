// Sign in (with its authenticator-app steps), sign up, confirm (the code Cognito sends by email),
// and the forgotten-password pair: ask for a code, then set a new password with it.

import { useState, type FormEvent } from 'react';
import { CognitoError, isSessionExpired } from '../auth/cognito';
import { PASSWORD_HINT } from '../auth/password';
import type { SignInStep } from '../auth/session';
import { CodeField, TotpKey } from '../components/Totp';
import {
  ErrorMessage,
  PageHeading,
  StatusMessage,
  StepHeading,
  TextField,
  messageOf,
  useAnnounce,
  useFocusLater,
} from '../components/ui';
import { Link, useRouter } from '../router';
import { useAuthState, useServices } from '../services';

/** Only same-site paths are followed after sign-in (no open redirects). */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

type Step = { kind: 'password' } | Extract<SignInStep, { kind: 'totp' | 'setupTotp' | 'newPassword' }>;

export function SignIn() {
  const { auth } = useServices();
  const state = useAuthState();
  const { query, navigate } = useRouter();
  const announce = useAnnounce();
  const [email, setEmail] = useState(query.get('email') ?? '');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [step, setStep] = useState<Step>({ kind: 'password' });
  const [passwordRef, focusPassword] = useFocusLater<HTMLInputElement>();

  const notice =
    query.get('confirmed') === '1'
      ? 'Your account is confirmed. Sign in to continue.'
      : query.get('reset') === '1'
        ? 'Your password is changed. Sign in with your new password.'
        : state.status === 'signedOut' && state.reason === 'expired'
          ? 'Your session has expired. Sign in again.'
          : state.status === 'signedOut' && state.reason === 'everywhere'
            ? 'You are signed out on every device. Sign in again to continue here.'
            : '';

  /** Moves on from a step: signed in (go where the user was headed), or the next challenge. */
  function proceed(next: SignInStep) {
    if (next.kind === 'signedIn') {
      announce('Signed in.');
      navigate(safeNext(query.get('next')), { replace: true });
      return;
    }
    if (next.kind === 'unsupported') {
      // Not a dead end: back on the password form, with what happened and what to do.
      setStep({ kind: 'password' });
      setError(next.message);
      setBusy(false);
      return;
    }
    setStep(next);
    setBusy(false);
  }

  /** A challenge step failed for good (its session expired): start over with the password. */
  function restart(message: string | null) {
    setStep({ kind: 'password' });
    setPassword('');
    setError(message);
    setBusy(false);
    // The password field is empty again: put the user there.
    focusPassword();
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      proceed(await auth.signIn(email.trim(), password));
    } catch (err) {
      if (err instanceof CognitoError && err.code === 'UserNotConfirmedException') {
        navigate(`/confirm?email=${encodeURIComponent(email.trim())}`);
        return;
      }
      setError(messageOf(err));
      setBusy(false);
    }
  }

  if (step.kind === 'totp') {
    return (
      <TotpChallenge
        key={step.pending.session}
        onSubmitCode={(code) => auth.answerTotp(step.pending, code)}
        onDone={proceed}
        onRestart={restart}
      />
    );
  }
  if (step.kind === 'newPassword') {
    return (
      <NewPasswordChallenge
        key={step.pending.session}
        email={step.pending.email}
        onSubmitCode={(password) => auth.setNewPassword(step.pending, password)}
        onDone={proceed}
        onRestart={restart}
      />
    );
  }
  if (step.kind === 'setupTotp') {
    return (
      <TotpSetupChallenge
        key={step.pending.session}
        email={step.pending.email}
        secret={step.secret}
        uri={step.uri}
        onSubmitCode={(code) => auth.completeTotpSetup(step.pending, code)}
        onDone={proceed}
        onRestart={restart}
      />
    );
  }

  return (
    <section className="card narrow">
      <PageHeading title="Sign in">Sign in</PageHeading>
      <StatusMessage testId="signin-notice">{notice}</StatusMessage>
      <form onSubmit={onSubmit} aria-busy={busy}>
        <TextField
          id="signin-email"
          label="Email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={setEmail}
        />
        <TextField
          id="signin-password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          inputRef={passwordRef}
          value={password}
          onChange={setPassword}
        />
        {error && <ErrorMessage message={error} testId="signin-error" />}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        <Link to={email.trim() ? `/forgot-password?email=${encodeURIComponent(email.trim())}` : '/forgot-password'}>
          Forgot your password?
        </Link>
      </p>
      <p>
        No account yet? <Link to="/signup">Create an account</Link>
      </p>
    </section>
  );
}

interface ChallengeProps {
  /** Sends the code; resolves to the next step, throws when Cognito refuses it. */
  onSubmitCode: (code: string) => Promise<SignInStep>;
  onDone: (next: SignInStep) => void;
  /** Back to the password form, with an error to show (null: the user chose to start over). */
  onRestart: (message: string | null) => void;
}

/**
 * The answer form of the challenges (a code, or NEW_PASSWORD_REQUIRED's password): a refused answer is shown (and the field focused and selected
 * for another try, within the same sign-in session); an expired session starts over.
 */
function useCodeForm({ onSubmitCode, onDone, onRestart }: ChallengeProps) {
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [inputRef, focusInput] = useFocusLater<HTMLInputElement>();

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onDone(await onSubmitCode(code));
    } catch (err) {
      if (isSessionExpired(err)) {
        onRestart(messageOf(err));
        return;
      }
      setError(messageOf(err));
      setBusy(false);
      focusInput(true);
    }
  }
  return { code, setCode, busy, error, inputRef, onSubmit };
}

/** A challenge step's code field, its error and its buttons: submit, or start the sign-in over. */
function ChallengeCodeForm({
  form: f,
  idPrefix,
  submitLabel,
  onRestart,
}: {
  form: ReturnType<typeof useCodeForm>;
  idPrefix: string;
  submitLabel: string;
  onRestart: ChallengeProps['onRestart'];
}) {
  return (
    <form onSubmit={f.onSubmit} aria-busy={f.busy}>
      <CodeField
        id={`${idPrefix}-code`}
        value={f.code}
        onChange={f.setCode}
        inputRef={f.inputRef}
        errorId={f.error ? `${idPrefix}-error` : undefined}
      />
      {f.error && <ErrorMessage message={f.error} testId={`${idPrefix}-error`} id={`${idPrefix}-error`} />}
      <div className="actions">
        <button type="submit" className="primary" disabled={f.busy}>
          {f.busy ? 'Checking…' : submitLabel}
        </button>
        <button type="button" onClick={() => onRestart(null)} disabled={f.busy}>
          Start over
        </button>
      </div>
    </form>
  );
}

function TotpChallenge(props: ChallengeProps) {
  const f = useCodeForm(props);
  return (
    <section className="card narrow">
      <StepHeading title="Enter your sign-in code">Enter your sign-in code</StepHeading>
      <p>Open your authenticator app and enter the 6-digit code it shows for Stratus.</p>
      <ChallengeCodeForm form={f} idPrefix="totp" submitLabel="Verify" onRestart={props.onRestart} />
    </section>
  );
}

/** NEW_PASSWORD_REQUIRED: the account was created with a temporary password; the user picks their own. */
function NewPasswordChallenge(props: ChallengeProps & { email: string }) {
  const f = useCodeForm(props);
  return (
    <section className="card narrow">
      <StepHeading title="Choose your password">Choose your password</StepHeading>
      <p>
        Your account <strong>{props.email}</strong> was set up with a temporary password. Choose the password you
        will use from now on.
      </p>
      <form onSubmit={f.onSubmit} aria-busy={f.busy}>
        <TextField
          id="first-password"
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          hint={PASSWORD_HINT}
          aria-invalid={f.error ? true : undefined}
          aria-describedby={f.error ? 'first-password-error' : undefined}
          inputRef={f.inputRef}
          value={f.code}
          onChange={f.setCode}
        />
        {f.error && <ErrorMessage message={f.error} testId="new-password-error" id="first-password-error" />}
        <div className="actions">
          <button type="submit" className="primary" disabled={f.busy}>
            {f.busy ? 'Saving…' : 'Set password and sign in'}
          </button>
          <button type="button" onClick={() => props.onRestart(null)} disabled={f.busy}>
            Start over
          </button>
        </div>
      </form>
    </section>
  );
}

function TotpSetupChallenge(props: ChallengeProps & { email: string; secret: string; uri: string }) {
  const f = useCodeForm(props);
  return (
    <section className="card narrow">
      <StepHeading title="Set up two-step sign-in">Set up two-step sign-in</StepHeading>
      <p>
        This site asks for a code from an authenticator app each time you sign in. Set one up for{' '}
        <strong>{props.email}</strong> now; it takes a minute.
      </p>
      <TotpKey secret={props.secret} uri={props.uri} idPrefix="setup" />
      <ChallengeCodeForm form={f} idPrefix="setup" submitLabel="Verify and sign in" onRestart={props.onRestart} />
    </section>
  );
}

export function SignUp() {
  const { auth } = useServices();
  const { navigate } = useRouter();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const out = await auth.signUp(email.trim(), password);
      const q = `email=${encodeURIComponent(email.trim())}`;
      navigate(out.userConfirmed ? `/signin?${q}&confirmed=1` : `/confirm?${q}`);
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  return (
    <section className="card narrow">
      <PageHeading title="Create an account">Create an account</PageHeading>
      <form onSubmit={onSubmit} aria-busy={busy}>
        <TextField
          id="signup-email"
          label="Email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={setEmail}
        />
        <TextField
          id="signup-password"
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          hint={PASSWORD_HINT}
          value={password}
          onChange={setPassword}
        />
        {error && <ErrorMessage message={error} testId="signup-error" />}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Creating account…' : 'Create account'}
        </button>
      </form>
      <p>
        Already have an account? <Link to="/signin">Sign in</Link>
      </p>
    </section>
  );
}

export function Confirm() {
  const { auth } = useServices();
  const { query, navigate } = useRouter();
  const [email, setEmail] = useState(query.get('email') ?? '');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      await auth.confirmSignUp(email.trim(), code.trim());
      navigate(`/signin?email=${encodeURIComponent(email.trim())}&confirmed=1`);
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  async function resend() {
    setError(null);
    setStatus('Sending a new code…');
    try {
      await auth.resendCode(email.trim());
      setStatus('A new code is on its way. Check your email.');
    } catch (err) {
      setStatus('');
      setError(messageOf(err));
    }
  }

  return (
    <section className="card narrow">
      <PageHeading title="Confirm your account">Confirm your account</PageHeading>
      <p>We sent a confirmation code to your email address. Enter it below.</p>
      <form onSubmit={onSubmit} aria-busy={busy}>
        <TextField
          id="confirm-email"
          label="Email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={setEmail}
        />
        <TextField
          id="confirm-code"
          label="Confirmation code"
          inputMode="numeric"
          autoComplete="one-time-code"
          required
          value={code}
          onChange={setCode}
        />
        <StatusMessage testId="confirm-status">{status}</StatusMessage>
        {error && <ErrorMessage message={error} testId="confirm-error" />}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Confirming…' : 'Confirm'}
          </button>
          <button type="button" onClick={resend} disabled={busy || email.trim() === ''}>
            Resend code
          </button>
        </div>
      </form>
    </section>
  );
}

export function ForgotPassword() {
  const { auth } = useServices();
  const { query, navigate } = useRouter();
  const [email, setEmail] = useState(query.get('email') ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const out = await auth.forgotPassword(email.trim());
      const q = new URLSearchParams({ email: email.trim() });
      if (out.codeDestination) q.set('sent', out.codeDestination);
      navigate(`/reset-password?${q.toString()}`);
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  return (
    <section className="card narrow">
      <PageHeading title="Reset your password">Reset your password</PageHeading>
      <p>Enter the email address of your account. We will send you a code to set a new password with.</p>
      <form onSubmit={onSubmit} aria-busy={busy}>
        <TextField
          id="forgot-email"
          label="Email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={setEmail}
        />
        {error && <ErrorMessage message={error} testId="forgot-error" />}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Sending…' : 'Send code'}
        </button>
      </form>
      <p>
        Remembered it? <Link to="/signin">Sign in</Link>
      </p>
    </section>
  );
}

export function ResetPassword() {
  const { auth } = useServices();
  const { query, navigate } = useRouter();
  const [email, setEmail] = useState(query.get('email') ?? '');
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const sent = query.get('sent');
  const [status, setStatus] = useState(
    sent ? `We sent a code to ${sent}.` : 'If an account has this address, we sent a code to it.',
  );

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      await auth.confirmForgotPassword(email.trim(), code.trim(), password);
      navigate(`/signin?email=${encodeURIComponent(email.trim())}&reset=1`);
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  async function resend() {
    setError(null);
    setStatus('Sending a new code…');
    try {
      const out = await auth.forgotPassword(email.trim());
      setStatus(`A new code is on its way${out.codeDestination ? ` to ${out.codeDestination}` : ''}. Use the newest one.`);
    } catch (err) {
      setStatus('');
      setError(messageOf(err));
    }
  }

  return (
    <section className="card narrow">
      <PageHeading title="Choose a new password">Choose a new password</PageHeading>
      <p>Enter the code from the email we sent you and the password you want from now on.</p>
      <form onSubmit={onSubmit} aria-busy={busy}>
        <TextField
          id="reset-email"
          label="Email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={setEmail}
        />
        <CodeField id="reset-code" label="Code from the email" value={code} onChange={setCode} />
        <TextField
          id="reset-password"
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          hint={PASSWORD_HINT}
          value={password}
          onChange={setPassword}
        />
        <StatusMessage testId="reset-status">{status}</StatusMessage>
        {error && <ErrorMessage message={error} testId="reset-error" />}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Saving…' : 'Set new password'}
          </button>
          <button type="button" onClick={() => void resend()} disabled={busy || email.trim() === ''}>
            Resend code
          </button>
        </div>
      </form>
    </section>
  );
}
