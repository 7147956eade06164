// Users of the local user pool for the end-to-end tests: unique addresses, confirmation codes from
// the local mailbox, confirmed users made through the Cognito JSON API.

import { randomBytes } from 'node:crypto';
import { eventually } from './wait.mjs';

/** @typedef {import('./stack.mjs').Stack} Stack */

/** Satisfies the local user pool's policy: 12+ characters with lower, upper, digit and symbol. */
export const PASSWORD = 'Correct-Horse-9-battery';

/** A unique address for a fresh user, e.g. e2e-1a2b3c4d5e@example.com. */
export function uniqueEmail(prefix = 'e2e') {
  return `${prefix}-${randomBytes(5).toString('hex')}@example.com`;
}

/**
 * The newest confirmation code the local user pool "sent" to `email`, waiting for one to arrive.
 * @param {Stack} stack
 * @param {string} email
 */
export async function confirmationCode(stack, email) {
  const url = new URL(stack.mailbox);
  url.searchParams.set('to', email);
  const messages = await eventually(
    `a confirmation code in the local mailbox (GET ${url})`,
    async () => {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      const body = await res.json();
      return Array.isArray(body.messages) ? body.messages : body;
    },
    (m) => Array.isArray(m) && m.length > 0,
    { timeout: 5_000 },
  );
  const code = messages[messages.length - 1].code;
  if (typeof code !== 'string' || !/^\d{6}$/.test(code)) {
    throw new Error(`the newest mail to ${email} has no 6-digit code: ${JSON.stringify(messages.at(-1))}`);
  }
  return code;
}

/**
 * Calls the local Cognito-compatible JSON API the way the app does.
 * @param {Stack} stack
 * @param {string} operation e.g. SignUp
 * @param {object} body
 */
async function cognito(stack, operation, body) {
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
  if (!res.ok) throw new Error(`Cognito ${operation} at ${endpoint}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

/**
 * A confirmed user, created through the user pool's API (the sign-up UI has its own test).
 * @param {Stack} stack
 * @param {string} [prefix] start of the email address, to tell users apart in logs
 * @returns {Promise<{email: string, password: string}>}
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
