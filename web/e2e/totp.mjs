// RFC 6238 time-based one-time passwords, computed by the tests from the key the page shows, as an
// authenticator app would: HMAC-SHA-1, 6 digits, 30-second steps (Cognito's software tokens).
// Cognito refuses a code that was already used, so each user's codes come from nextCode(), which
// never hands out a time step twice.

import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

const STEP_SECONDS = 30;
const DIGITS = 6;

/**
 * Decodes RFC 4648 base32 (the alphabet of TOTP keys; padding, spaces and case are ignored).
 * @param {string} text
 */
export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const bytes = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const i = alphabet.indexOf(ch);
    if (i < 0) throw new Error(`not base32: ${JSON.stringify(ch)} in ${JSON.stringify(text)}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/**
 * The HOTP value (RFC 4226) of `counter`, as a zero-padded string.
 * @param {Buffer} key
 * @param {number} counter
 */
export function hotp(key, counter) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** DIGITS;
  return String(bin).padStart(DIGITS, '0');
}

/** The TOTP time step of `ms` (epoch milliseconds). */
export function timeStep(ms = Date.now()) {
  return Math.floor(ms / 1000 / STEP_SECONDS);
}

/**
 * The TOTP code of `secret` (base32) for time step `step`.
 * @param {string} secret
 * @param {number} step
 */
export function totp(secret, step = timeStep()) {
  return hotp(base32Decode(secret), step);
}

/** @typedef {{totpSecret?: string, totpLastStep?: number}} TotpHolder */

/**
 * A valid code for `user` that no earlier call used: the current step's, else the next step's (one
 * step of clock skew is accepted), else it waits for the clock to reach a new step.
 * @param {TotpHolder & {email?: string}} user
 */
export async function nextCode(user) {
  const secret = user.totpSecret;
  if (!secret) throw new Error(`${user.email ?? 'the user'} has no authenticator key yet`);
  for (;;) {
    const now = timeStep();
    for (const step of [now, now + 1]) {
      if (user.totpLastStep === undefined || step > user.totpLastStep) {
        user.totpLastStep = step;
        return totp(secret, step);
      }
    }
    const nextStepAt = (now + 1) * STEP_SECONDS * 1000;
    await sleep(nextStepAt - Date.now() + 250);
  }
}

/**
 * A 6-digit code that is wrong for `user` in every step a verifier could accept now.
 * @param {TotpHolder} user
 */
export function wrongCode(user) {
  const secret = user.totpSecret;
  if (!secret) throw new Error('no authenticator key yet');
  const now = timeStep();
  const valid = new Set([-2, -1, 0, 1, 2].map((d) => totp(secret, now + d)));
  for (let n = 0; ; n++) {
    const candidate = String((123456 + n * 111111) % 1_000_000).padStart(DIGITS, '0');
    if (!valid.has(candidate)) return candidate;
  }
}
