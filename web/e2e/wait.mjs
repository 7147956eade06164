// Waiting on state in the end-to-end tests: poll until a check passes, or fail saying what was
// expected and what was seen.

import { setTimeout as sleep } from 'node:timers/promises';

/** How long a single locator action or wait may take unless a test says otherwise. */
export const UI_TIMEOUT_MS = 10_000;

/**
 * Polls `probe` until `check` accepts its value, and returns that value. Fails after `timeout`
 * with `description` and the last value (or error) seen, so the message says what was expected
 * and what the page or server showed instead.
 * @template T
 * @param {string} description what is being waited for
 * @param {() => Promise<T>} probe
 * @param {(value: T) => boolean} check
 * @param {{timeout?: number, interval?: number}} [opts]
 * @returns {Promise<T>}
 */
export async function eventually(description, probe, check, { timeout = UI_TIMEOUT_MS, interval = 100 } = {}) {
  const deadline = Date.now() + timeout;
  /** @type {unknown} */
  let last = '(never probed)';
  for (;;) {
    try {
      const value = await probe();
      if (check(value)) return value;
      last = value;
    } catch (err) {
      last = err instanceof Error ? `error: ${err.message}` : err;
    }
    if (Date.now() >= deadline) break;
    await sleep(interval);
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${description}; last seen: ${JSON.stringify(last)}`);
}
