// The state of a form (or a button) that runs one action at a time: busy while it runs, the error it
// ended with, and a status line for what it did. Every view's submit follows this one recipe.

import { useCallback, useState, type FormEvent } from 'react';
import { messageOf } from './components/ui';

/**
 * What an action (or its error handler) returns when it took the user away from this form: it
 * navigated, or handed over to another step that replaces the form. Busy then stays set, so the form
 * cannot be sent again while it goes.
 */
export type Left = 'left';

export interface RunOptions<K> {
  /** What `busy` is while the action runs (e.g. which button's); default `true`. */
  busy?: K;
  /** Keep the status line as it is; by default it is emptied when the action starts. */
  keepStatus?: boolean;
  /**
   * Handles a throw instead of showing its message as `error` (the default). Busy ends after it,
   * unless it returns 'left'.
   */
  onError?: (err: unknown) => void | Left;
}

export interface FormAction<K> {
  /** `false`, or what the running action said it is (`true` unless told). */
  busy: K | false;
  error: string | null;
  status: string;
  setError: (error: string | null) => void;
  setStatus: (status: string) => void;
  /**
   * Runs `action`: busy, no error (and an empty status line unless `keepStatus`); a throw's message
   * becomes `error` (or goes to `onError`); busy ends when it is over, unless it returns 'left'.
   */
  run: (action: () => Promise<void | Left>, options?: RunOptions<K>) => Promise<void>;
  /** A form's onSubmit: no page load, then `run`. */
  submit: (action: () => Promise<void | Left>, options?: RunOptions<K>) => (e: FormEvent) => void;
}

export function useFormAction<K = true>(initialStatus = ''): FormAction<K> {
  const [busy, setBusy] = useState<K | false>(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState(initialStatus);

  const run = useCallback(async (action: () => Promise<void | Left>, options: RunOptions<K> = {}) => {
    setBusy(options.busy ?? (true as K));
    setError(null);
    if (!options.keepStatus) setStatus('');
    let left = false;
    try {
      left = (await action()) === 'left';
    } catch (err) {
      if (options.onError) left = options.onError(err) === 'left';
      else setError(messageOf(err));
    } finally {
      if (!left) setBusy(false);
    }
  }, []);

  const submit = useCallback(
    (action: () => Promise<void | Left>, options?: RunOptions<K>) => (e: FormEvent) => {
      e.preventDefault();
      void run(action, options);
    },
    [run],
  );

  return { busy, error, status, setError, setStatus, run, submit };
}
