import { act, renderHook } from '@testing-library/react';
import type { FormEvent } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { useFormAction } from './useFormAction';

/** A promise and the functions that settle it, to look at the state while an action runs. */
function deferred() {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('useFormAction', () => {
  it('is busy while an action runs, shows what it threw, then is idle again', async () => {
    const { result } = renderHook(() => useFormAction());
    expect(result.current.busy).toBe(false);

    const d = deferred();
    let done!: Promise<void>;
    act(() => {
      done = result.current.run(() => d.promise);
    });
    expect(result.current.busy).toBe(true);
    await act(async () => {
      d.reject(new Error('The code is wrong.'));
      await done;
    });
    expect(result.current.error).toBe('The code is wrong.');
    expect(result.current.busy).toBe(false);
  });

  it('clears the last error when the next action starts', async () => {
    const { result } = renderHook(() => useFormAction());
    await act(() => result.current.run(() => Promise.reject(new Error('First try failed.'))));
    expect(result.current.error).toBe('First try failed.');

    const d = deferred();
    let done!: Promise<void>;
    act(() => {
      done = result.current.run(() => d.promise);
    });
    expect(result.current.error).toBeNull();
    await act(async () => {
      d.resolve();
      await done;
    });
    expect(result.current.error).toBeNull();
    expect(result.current.busy).toBe(false);
  });

  it('ends busy after a throw that onError handles, and shows only what onError sets', async () => {
    const { result } = renderHook(() => useFormAction());
    const onError = vi.fn((err: unknown) => result.current.setError(`Still signed in: ${(err as Error).message}`));
    await act(() => result.current.run(() => Promise.reject(new Error('offline')), { onError }));
    expect(onError).toHaveBeenCalledOnce();
    expect(result.current.error).toBe('Still signed in: offline');
    expect(result.current.busy).toBe(false);
  });

  it("stays busy when the action or its error handler says the user 'left'", async () => {
    const { result } = renderHook(() => useFormAction());
    await act(() => result.current.run(async () => 'left'));
    expect(result.current.busy).toBe(true);

    await act(() => result.current.run(() => Promise.reject(new Error('expired')), { onError: () => 'left' }));
    expect(result.current.busy).toBe(true);
    expect(result.current.error).toBeNull();
  });

  it('empties the status line when an action starts, unless told to keep it', async () => {
    const { result } = renderHook(() => useFormAction('We sent a code.'));
    expect(result.current.status).toBe('We sent a code.');

    await act(() => result.current.run(async () => {}, { keepStatus: true }));
    expect(result.current.status).toBe('We sent a code.');

    await act(() => result.current.run(async () => {}));
    expect(result.current.status).toBe('');
  });

  it('says which action is busy', async () => {
    const { result } = renderHook(() => useFormAction<'save' | 'delete'>());
    const d = deferred();
    let done!: Promise<void>;
    act(() => {
      done = result.current.run(() => d.promise, { busy: 'delete' });
    });
    expect(result.current.busy).toBe('delete');
    await act(async () => {
      d.resolve();
      await done;
    });
    expect(result.current.busy).toBe(false);
  });

  it('submit keeps the browser from loading a page, then runs the action', async () => {
    const { result } = renderHook(() => useFormAction());
    const action = vi.fn(async () => {});
    const e = { preventDefault: vi.fn() } as unknown as FormEvent;
    await act(async () => result.current.submit(action)(e));
    expect(e.preventDefault).toHaveBeenCalledOnce();
    expect(action).toHaveBeenCalledOnce();
    expect(result.current.busy).toBe(false);
  });
});
