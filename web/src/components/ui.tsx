// Small accessible building blocks shared by the views.

import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
  type InputHTMLAttributes,
  type ReactNode,
  type Ref,
  type RefObject,
} from 'react';
import type { AttachmentStatus, ItemStatus } from '../api/types';
import { PASSWORD_HINT } from '../auth/password';
import { useRouter } from '../router';

type TextFieldProps = {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** Shown under the input and linked to it with aria-describedby. */
  hint?: ReactNode;
  /** The input element, e.g. to move focus back to it after an error. */
  inputRef?: Ref<HTMLInputElement>;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange'>;

/**
 * A labelled text input; other props (type, autoComplete, required…) go to the input. An
 * `aria-describedby` given (e.g. an error's id) is added to the hint's.
 */
export function TextField({ id, label, value, onChange, hint, inputRef, ...input }: TextFieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const describedBy = [hintId, input['aria-describedby']].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        ref={inputRef}
        {...input}
        aria-describedby={describedBy}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
    </div>
  );
}

type FieldProps = Omit<TextFieldProps, 'label' | 'type' | 'autoComplete' | 'required' | 'hint'> & { label?: string };

/** The email address of an account (the user name): `autoComplete` is `username` unless told. */
export function EmailField({ label = 'Email', autoComplete = 'username', ...field }: FieldProps & { autoComplete?: string }) {
  return <TextField label={label} type="email" autoComplete={autoComplete} required {...field} />;
}

/**
 * A password: the one the user has (`current`), or one they choose (`new`), with the pools' password
 * rules as its hint and `new-password` for password managers.
 */
export function PasswordField({ purpose, label, ...field }: FieldProps & { purpose: 'current' | 'new' }) {
  return purpose === 'new' ? (
    <TextField label={label ?? 'New password'} type="password" autoComplete="new-password" required hint={PASSWORD_HINT} {...field} />
  ) : (
    <TextField label={label ?? 'Password'} type="password" autoComplete="current-password" required {...field} />
  );
}

/** A form's submit button: disabled, and saying what it does, while the form is busy. */
export function SubmitButton({
  busy,
  busyLabel,
  disabled = busy,
  children,
}: {
  busy: boolean;
  busyLabel: string;
  /** Default: while busy. */
  disabled?: boolean;
  children: ReactNode;
}) {
  return (
    <button type="submit" className="primary" disabled={disabled}>
      {busy ? busyLabel : children}
    </button>
  );
}

/** Polite live region for progress and success messages. */
export function StatusMessage({ children, testId }: { children?: ReactNode; testId?: string }) {
  return (
    <p role="status" aria-live="polite" className="status-message" data-testid={testId}>
      {children}
    </p>
  );
}

/** Assertive error message (role="alert"), optionally with a retry action. */
export function ErrorMessage({
  message,
  onRetry,
  retryLabel = 'Try again',
  testId = 'error',
  id,
}: {
  message: string;
  onRetry?: () => void;
  retryLabel?: string;
  testId?: string;
  /** For aria-describedby of the field the error is about. */
  id?: string;
}) {
  return (
    <div role="alert" className="error-message" data-testid={testId} id={id}>
      <span>{message}</span>
      {onRetry && (
        <button type="button" className="link-button" onClick={onRetry}>
          {retryLabel}
        </button>
      )}
    </div>
  );
}

export function Loading({ label }: { label: string }) {
  return (
    <p role="status" aria-live="polite" className="loading" data-testid="loading">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

/**
 * The page's <h1>. It takes focus when a view mounts after a client-side navigation, so screen
 * reader and keyboard users land on the new page (not on the first page load).
 */
export function PageHeading({ children, title }: { children: ReactNode; title?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  const { location } = useRouter();
  const afterNavigation = location.navigations > 0;
  useEffect(() => {
    if (afterNavigation) ref.current?.focus();
  }, [afterNavigation]);
  useEffect(() => {
    document.title = title ? `${title} · Stratus` : 'Stratus';
  }, [title]);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}

/**
 * A ref and a function that moves focus to its element after the next render commits (the element
 * may only appear in that render, e.g. a field of the step being switched to). `select` also
 * selects an input's text, so a refused code can be typed over.
 */
export function useFocusLater<T extends HTMLElement>(): [RefObject<T | null>, (select?: boolean) => void] {
  const ref = useRef<T>(null);
  const [request, setRequest] = useState({ n: 0, select: false });
  useEffect(() => {
    if (request.n === 0) return;
    const el = ref.current;
    el?.focus();
    if (request.select && el instanceof HTMLInputElement) el.select();
  }, [request]);
  const focus = useCallback((select = false) => setRequest((r) => ({ n: r.n + 1, select })), []);
  return [ref, focus];
}

/**
 * The <h1> of a step within one page (e.g. the code prompt after the password): it takes focus
 * when it appears, so keyboard and screen-reader users land on the new step.
 */
export function StepHeading({ children, title }: { children: ReactNode; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  useEffect(() => {
    document.title = `${title} · Stratus`;
  }, [title]);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}

export function StatusBadge({ status }: { status: ItemStatus | AttachmentStatus }) {
  return (
    <span className={`badge badge-${status}`} data-testid="status-badge">
      {status}
    </span>
  );
}

// ---- App-wide announcements (e.g. "Item deleted" after navigating away) ----------------------

const AnnounceContext = createContext<(message: string) => void>(() => {});

export function AnnouncerProvider({ children }: { children: ReactNode }) {
  const [message, setMessage] = useState('');
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const announce = useCallback((m: string) => {
    setMessage(m);
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => setMessage(''), 5000);
  }, []);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  return (
    <AnnounceContext.Provider value={announce}>
      <div role="status" aria-live="polite" className={message ? 'toast' : 'visually-hidden'} data-testid="announcement">
        {message}
      </div>
      {children}
    </AnnounceContext.Provider>
  );
}

export function useAnnounce(): (message: string) => void {
  return useContext(AnnounceContext);
}

// ---- Formatting ------------------------------------------------------------------------------

export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** Today's date as YYYY-MM-DD in the user's time zone. */
export function today(): string {
  const d = new Date();
  const pad = (x: number) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function messageOf(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong.';
}
