// Users of the local user pool for the end-to-end tests: unique addresses, confirmation codes from
// the local mailbox, confirmed users made through the Cognito JSON API.

import { randomBytes } from 'node:crypto';
import { eventually } from './wait.mjs';

/** @typedef {import('./stack.mjs').Stack} Stack */

/** Satisfies the local user pool's policy: 12+ characters with lower, upper, digit and symbol. */
export const PASSWORD = 'Correct-Horse-9-battery';

/**
 * A user of the tests; the authenticator key is set once the user has set one up (app.mjs), and
 * totp.mjs's nextCode() records the last time step used.
 * @typedef {{email: string, password: string, totpSecret?: string, totpLastStep?: number}} User
 */

/** A unique address for a fresh user, e.g. e2e-1a2b3c4d5e@example.com. */
export function uniqueEmail(prefix = 'e2e') {
  return `${prefix}-${randomBytes(5).toString('hex')}@example.com`;
}

/**
 * The mail the local user pool "sent" to `email` so far (the newest last).
 * @param {Stack} stack
 * @param {string} email
 * @returns {Promise<{to: string, subject: string, code: string}[]>}
 */
export async function mailTo(stack, email) {
  const url = new URL(stack.mailbox);
  url.searchParams.set('to', email);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}: ${await res.text()}`);
  const body = await res.json();
  return Array.isArray(body.messages) ? body.messages : body;
}

/**
 * The newest code the local user pool "sent" to `email`, waiting for one to arrive; with `after`,
 * waiting for a message newer than the first `after` (e.g. a password-reset code after the sign-up one).
 * @param {Stack} stack
 * @param {string} email
 * @param {{after?: number}} [opts]
 */
export async function confirmationCode(stack, email, { after = 0 } = {}) {
  const messages = await eventually(
    `mail number ${after + 1} with a code to ${email} in the local mailbox (${stack.mailbox})`,
    () => mailTo(stack, email),
    (m) => Array.isArray(m) && m.length > after,
    { timeout: 5_000 },
  );
  const code = messages[messages.length - 1].code;
  if (typeof code !== 'string' || !/^\d{6}$/.test(code)) {
    throw new Error(`the newest mail to ${email} has no 6-digit code: ${JSON.stringify(messages.at(-1))}`);
  }
  return code;
}

/**
 * Calls the local Cognito-compatible JSON API the way the app does, and returns the answer as it is.
 * @param {Stack} stack
 * @param {string} operation e.g. SignUp
 * @param {object} body
 * @returns {Promise<{status: number, body: any}>}
 */
export async function cognitoAnswer(stack, operation, body) {
  const endpoint = stack.config.cognitoEndpoint || stack.cognito;
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `AWSCognitoIdentityProviderService.${operation}`,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, body: parsed };
}

/**
 * Calls the local Cognito-compatible JSON API; a non-2xx answer throws.
 * @param {Stack} stack
 * @param {string} operation e.g. SignUp
 * @param {object} body
 */
export async function cognito(stack, operation, body) {
  const { status, body: out } = await cognitoAnswer(stack, operation, body);
  if (status < 200 || status > 299) {
    throw new Error(`Cognito ${operation} at ${stack.config.cognitoEndpoint || stack.cognito}: HTTP ${status} ${JSON.stringify(out)}`);
  }
  return out;
}

/**
 * A confirmed user, created through the user pool's API (the sign-up UI has its own test).
 * @param {Stack} stack
 * @param {string} [prefix] start of the email address, to tell users apart in logs
 * @returns {Promise<User>}
 */
export async function createUser(stack, prefix = 'e2e') {
  const email = uniqueEmail(prefix);
  const clientId = stack.config.userPoolClientId;
  await cognito(stack, 'SignUp', {
    ClientId: clientId,
    Username: email,
    Password: PASSWORD,
    UserAttributes: [{ Name: 'email', Value: email }],
  });
  const code = await confirmationCode(stack, email);
  await cognito(stack, 'ConfirmSignUp', { ClientId: clientId, Username: email, ConfirmationCode: code });
  return { email, password: PASSWORD };
}
