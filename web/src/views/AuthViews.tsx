// Sign in, sign up and confirm (the code Cognito sends by email).

import { useState, type FormEvent } from 'react';
import { CognitoError } from '../auth/cognito';
import { ErrorMessage, PageHeading, StatusMessage, TextField, messageOf, useAnnounce } from '../components/ui';
import { Link, useRouter } from '../router';
import { useAuthState, useServices } from '../services';

/** Only same-site paths are followed after sign-in (no open redirects). */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function SignIn() {
  const { auth } = useServices();
  const state = useAuthState();
  const { query, navigate } = useRouter();
  const announce = useAnnounce();
  const [email, setEmail] = useState(query.get('email') ?? '');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const notice =
    query.get('confirmed') === '1'
      ? 'Your account is confirmed. Sign in to continue.'
      : state.status === 'signedOut' && state.reason === 'expired'
        ? 'Your session has expired. Sign in again.'
        : '';

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await auth.signIn(email.trim(), password);
      announce('Signed in.');
      navigate(safeNext(query.get('next')), { replace: true });
    } catch (err) {
      if (err instanceof CognitoError && err.code === 'UserNotConfirmedException') {
        navigate(`/confirm?email=${encodeURIComponent(email.trim())}`);
        return;
      }
      setError(messageOf(err));
      setBusy(false);
    }
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
          value={password}
          onChange={setPassword}
        />
        {error && <ErrorMessage message={error} testId="signin-error" />}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        No account yet? <Link to="/signup">Create an account</Link>
      </p>
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
          minLength={8}
          hint="At least 8 characters, with upper- and lower-case letters, a digit and a symbol."
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
