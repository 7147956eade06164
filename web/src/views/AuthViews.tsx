// Sign in (with its authenticator-app steps), sign up, confirm (the code Cognito sends by email),
// and the forgotten-password pair: ask for a code, then set a new password with it.

import { useState, type ReactNode, type RefObject } from 'react';
import { CognitoError, isSessionExpired } from '../auth/cognito';
import type { AuthManager, SignInStep } from '../auth/session';
import { CodeField, TotpKey } from '../components/Totp';
import {
  EmailField,
  ErrorMessage,
  PageHeading,
  PasswordField,
  StatusMessage,
  StepHeading,
  SubmitButton,
  TextField,
  messageOf,
  useAnnounce,
  useFocusLater,
} from '../components/ui';
import { Link, useRouter } from '../router';
import { useAuthState, useServices } from '../services';
import { useFormAction, type FormAction, type Left } from '../useFormAction';

/** Only same-site paths are followed after sign-in (no open redirects). */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

type ChallengeStep = Extract<SignInStep, { kind: 'totp' | 'setupTotp' | 'newPassword' }>;
type Step = { kind: 'password' } | ChallengeStep;

export function SignIn() {
  const { auth } = useServices();
  const state = useAuthState();
  const { query, navigate } = useRouter();
  const announce = useAnnounce();
  const [email, setEmail] = useState(query.get('email') ?? '');
  const [password, setPassword] = useState('');
  const form = useFormAction();
  const { busy, error } = form;
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

  /**
   * Moves on from a step: signed in (go where the user was headed), or the next challenge. The
   * password form's busy ends (when it was the one sending) unless the user goes elsewhere.
   */
  function proceed(next: SignInStep): void | Left {
    if (next.kind === 'signedIn') {
      announce('Signed in.');
      navigate(safeNext(query.get('next')), { replace: true });
      return 'left';
    }
    if (next.kind === 'unsupported') {
      // Not a dead end: back on the password form, with what happened and what to do.
      setStep({ kind: 'password' });
      form.setError(next.message);
      return;
    }
    setStep(next);
  }

  /**
   * A challenge step failed for good (its session expired), or the user starts over: back to the
   * password form (whose busy ended when the challenge came).
   */
  function restart(message: string | null) {
    setStep({ kind: 'password' });
    setPassword('');
    form.setError(message);
    // The password field is empty again: put the user there.
    focusPassword();
  }

  const onSubmit = form.submit(async () => proceed(await auth.signIn(email.trim(), password)), {
    onError: (err) => {
      if (err instanceof CognitoError && err.code === 'UserNotConfirmedException') {
        navigate(`/confirm?email=${encodeURIComponent(email.trim())}`);
        return 'left';
      }
      form.setError(messageOf(err));
    },
  });

  if (step.kind !== 'password') {
    // Keyed by the step: each challenge starts with an empty field (and its heading takes focus).
    return <Challenge key={`${step.kind} ${step.pending.session}`} step={step} onDone={proceed} onRestart={restart} />;
  }

  return (
    <section className="card narrow">
      <PageHeading title="Sign in">Sign in</PageHeading>
      <StatusMessage testId="signin-notice">{notice}</StatusMessage>
      <form onSubmit={onSubmit} aria-busy={busy}>
        <EmailField id="signin-email" value={email} onChange={setEmail} />
        <PasswordField id="signin-password" purpose="current" inputRef={passwordRef} value={password} onChange={setPassword} />
        {error && <ErrorMessage message={error} testId="signin-error" />}
        <SubmitButton busy={busy} busyLabel="Signing in…">Sign in</SubmitButton>
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

/** The answer field of a challenge: its value, and the input to focus after a refused answer. */
interface AnswerField {
  value: string;
  setValue: (value: string) => void;
  inputRef: RefObject<HTMLInputElement | null>;
}

/** What one challenge step asks; the form around its answer is the same for all (see Challenge). */
interface ChallengeCopy {
  title: string;
  /** What comes between the heading and the form. */
  intro: ReactNode;
  /** Sends the answer; resolves to the next step, throws when Cognito refuses it. */
  answer: (value: string) => Promise<SignInStep>;
  /** The answer's field; `errorId` is the id of the error shown about it, if any. */
  field: (f: AnswerField, errorId: string | undefined) => ReactNode;
  errorId: string;
  errorTestId: string;
  submitLabel: string;
  busyLabel: string;
}

/** The answer part of a step that asks for a code from the authenticator app. */
function codeAnswer(idPrefix: string, submitLabel: string) {
  return {
    field: (f: AnswerField, errorId: string | undefined) => (
      <CodeField id={`${idPrefix}-code`} value={f.value} onChange={f.setValue} inputRef={f.inputRef} errorId={errorId} />
    ),
    errorId: `${idPrefix}-error`,
    errorTestId: `${idPrefix}-error`,
    submitLabel,
    busyLabel: 'Checking…',
  };
}

function challengeCopy(step: ChallengeStep, auth: AuthManager): ChallengeCopy {
  switch (step.kind) {
    case 'totp':
      return {
        title: 'Enter your sign-in code',
        intro: <p>Open your authenticator app and enter the 6-digit code it shows for Stratus.</p>,
        answer: (code) => auth.answerTotp(step.pending, code),
        ...codeAnswer('totp', 'Verify'),
      };
    case 'setupTotp':
      return {
        title: 'Set up two-step sign-in',
        intro: (
          <>
            <p>
              This site asks for a code from an authenticator app each time you sign in. Set one up for{' '}
              <strong>{step.pending.email}</strong> now; it takes a minute.
            </p>
            <TotpKey secret={step.secret} uri={step.uri} idPrefix="setup" />
          </>
        ),
        answer: (code) => auth.completeTotpSetup(step.pending, code),
        ...codeAnswer('setup', 'Verify and sign in'),
      };
    case 'newPassword':
      // NEW_PASSWORD_REQUIRED: the account was created with a temporary password; the user picks their own.
      return {
        title: 'Choose your password',
        intro: (
          <p>
            Your account <strong>{step.pending.email}</strong> was set up with a temporary password. Choose the password
            you will use from now on.
          </p>
        ),
        answer: (password) => auth.setNewPassword(step.pending, password),
        field: (f, errorId) => (
          <PasswordField
            id="first-password"
            purpose="new"
            aria-invalid={errorId ? true : undefined}
            aria-describedby={errorId}
            inputRef={f.inputRef}
            value={f.value}
            onChange={f.setValue}
          />
        ),
        errorId: 'first-password-error',
        errorTestId: 'new-password-error',
        submitLabel: 'Set password and sign in',
        busyLabel: 'Saving…',
      };
  }
}

/**
 * A challenge step of sign-in (a code, or NEW_PASSWORD_REQUIRED's password): a refused answer is
 * shown (and the field focused and selected for another try, within the same sign-in session); an
 * expired session starts over. An accepted answer hands over to the next step (`onDone`).
 */
function Challenge({
  step,
  onDone,
  onRestart,
}: {
  step: ChallengeStep;
  onDone: (next: SignInStep) => void;
  /** Back to the password form, with an error to show (null: the user chose to start over). */
  onRestart: (message: string | null) => void;
}) {
  const { auth } = useServices();
  const c = challengeCopy(step, auth);
  const [value, setValue] = useState('');
  const [inputRef, focusInput] = useFocusLater<HTMLInputElement>();
  const form = useFormAction();

  const onSubmit = form.submit(
    async () => {
      onDone(await c.answer(value));
      return 'left';
    },
    {
      onError: (err) => {
        if (isSessionExpired(err)) {
          onRestart(messageOf(err));
          return 'left';
        }
        form.setError(messageOf(err));
        focusInput(true);
      },
    },
  );

  return (
    <section className="card narrow">
      <StepHeading title={c.title}>{c.title}</StepHeading>
      {c.intro}
      <form onSubmit={onSubmit} aria-busy={form.busy}>
        {c.field({ value, setValue, inputRef }, form.error ? c.errorId : undefined)}
        {form.error && <ErrorMessage message={form.error} testId={c.errorTestId} id={c.errorId} />}
        <div className="actions">
          <SubmitButton busy={form.busy} busyLabel={c.busyLabel}>{c.submitLabel}</SubmitButton>
          <button type="button" onClick={() => onRestart(null)} disabled={form.busy}>
            Start over
          </button>
        </div>
      </form>
    </section>
  );
}

export function SignUp() {
  const { auth } = useServices();
  const { navigate } = useRouter();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useFormAction();

  const onSubmit = submit(async () => {
    const out = await auth.signUp(email.trim(), password);
    const q = `email=${encodeURIComponent(email.trim())}`;
    navigate(out.userConfirmed ? `/signin?${q}&confirmed=1` : `/confirm?${q}`);
    return 'left';
  });

  return (
    <section className="card narrow">
      <PageHeading title="Create an account">Create an account</PageHeading>
      <form onSubmit={onSubmit} aria-busy={busy}>
        <EmailField id="signup-email" autoComplete="email" value={email} onChange={setEmail} />
        <PasswordField id="signup-password" purpose="new" label="Password" value={password} onChange={setPassword} />
        {error && <ErrorMessage message={error} testId="signup-error" />}
        <SubmitButton busy={busy} busyLabel="Creating account…">Create account</SubmitButton>
      </form>
      <p>
        Already have an account? <Link to="/signin">Sign in</Link>
      </p>
    </section>
  );
}

/**
 * "Resend code" (confirmation or password reset): says it is sending, then what `send` resolves to;
 * a failure is the form's error. Busy is left alone: the resend button is disabled while the form
 * is busy, and resending does not disable the form.
 */
async function resendCode(form: FormAction<true>, send: () => Promise<string>) {
  form.setError(null);
  form.setStatus('Sending a new code…');
  try {
    form.setStatus(await send());
  } catch (err) {
    form.setStatus('');
    form.setError(messageOf(err));
  }
}

export function Confirm() {
  const { auth } = useServices();
  const { query, navigate } = useRouter();
  const [email, setEmail] = useState(query.get('email') ?? '');
  const [code, setCode] = useState('');
  const form = useFormAction();
  const { busy, error, status } = form;

  const onSubmit = form.submit(async () => {
    await auth.confirmSignUp(email.trim(), code.trim());
    navigate(`/signin?email=${encodeURIComponent(email.trim())}&confirmed=1`);
    return 'left';
  });

  const resend = () =>
    resendCode(form, async () => {
      await auth.resendCode(email.trim());
      return 'A new code is on its way. Check your email.';
    });

  return (
    <section className="card narrow">
      <PageHeading title="Confirm your account">Confirm your account</PageHeading>
      <p>We sent a confirmation code to your email address. Enter it below.</p>
      <form onSubmit={onSubmit} aria-busy={busy}>
        <EmailField id="confirm-email" value={email} onChange={setEmail} />
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
          <SubmitButton busy={busy} busyLabel="Confirming…">Confirm</SubmitButton>
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
  const { busy, error, submit } = useFormAction();

  const onSubmit = submit(async () => {
    const out = await auth.forgotPassword(email.trim());
    const q = new URLSearchParams({ email: email.trim() });
    if (out.codeDestination) q.set('sent', out.codeDestination);
    navigate(`/reset-password?${q.toString()}`);
    return 'left';
  });

  return (
    <section className="card narrow">
      <PageHeading title="Reset your password">Reset your password</PageHeading>
      <p>Enter the email address of your account. We will send you a code to set a new password with.</p>
      <form onSubmit={onSubmit} aria-busy={busy}>
        <EmailField id="forgot-email" value={email} onChange={setEmail} />
        {error && <ErrorMessage message={error} testId="forgot-error" />}
        <SubmitButton busy={busy} busyLabel="Sending…">Send code</SubmitButton>
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
  const sent = query.get('sent');
  const form = useFormAction(sent ? `We sent a code to ${sent}.` : 'If an account has this address, we sent a code to it.');
  const { busy, error, status } = form;

  const onSubmit = form.submit(async () => {
    await auth.confirmForgotPassword(email.trim(), code.trim(), password);
    navigate(`/signin?email=${encodeURIComponent(email.trim())}&reset=1`);
    return 'left';
  });

  const resend = () =>
    resendCode(form, async () => {
      const out = await auth.forgotPassword(email.trim());
      return `A new code is on its way${out.codeDestination ? ` to ${out.codeDestination}` : ''}. Use the newest one.`;
    });

  return (
    <section className="card narrow">
      <PageHeading title="Choose a new password">Choose a new password</PageHeading>
      <p>Enter the code from the email we sent you and the password you want from now on.</p>
      <form onSubmit={onSubmit} aria-busy={busy}>
        <EmailField id="reset-email" value={email} onChange={setEmail} />
        <CodeField id="reset-code" label="Code from the email" value={code} onChange={setCode} />
        <PasswordField id="reset-password" purpose="new" value={password} onChange={setPassword} />
        <StatusMessage testId="reset-status">{status}</StatusMessage>
        {error && <ErrorMessage message={error} testId="reset-error" />}
        <div className="actions">
          <SubmitButton busy={busy} busyLabel="Saving…">Set new password</SubmitButton>
          <button type="button" onClick={() => void resend()} disabled={busy || email.trim() === ''}>
            Resend code
          </button>
        </div>
      </form>
    </section>
  );
}
