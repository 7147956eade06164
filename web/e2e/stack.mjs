// Machinery shared by the browser end-to-end tests: build and run the local stack
// (bin/stratus-local, from ./lambdas/cmd/stratus-local), drive Debian's Chromium through playwright-core, create
// users, wait on visible state, and keep evidence (screenshots, browser and server logs) of failures.
//
// Each test file calls e2eSuite() once: it starts one local server and one browser for the file
// (node --test runs every file in its own process) and gives every test a fresh browser context.

import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** @typedef {import('playwright-core').Browser} Browser */
/** @typedef {import('playwright-core').BrowserContext} BrowserContext */
/** @typedef {import('playwright-core').Page} Page */

/** The repository root, whatever the working directory. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Screenshots of the main views and failure evidence (gitignored). */
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test', 'screenshots');
const WEB_DIST = path.join(REPO_ROOT, 'web', 'dist');

/** Satisfies the local user pool's policy: 12+ characters with lower, upper, digit and symbol. */
export const PASSWORD = 'Correct-Horse-9-battery';

/**
 * The browser: $CHROMIUM_PATH, else Debian's /usr/bin/chromium, else a `chromium` on the PATH (the
 * pipeline's CodeBuild image links its Google Chrome there).
 */
const CHROMIUM =
  process.env.CHROMIUM_PATH ||
  ['/usr/bin', ...(process.env.PATH ?? '').split(path.delimiter)]
    .map((dir) => path.join(dir, 'chromium'))
    .find((file) => file.startsWith('/') && existsSync(file)) ||
  '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps calling Google services, which the closed
// network only refuses.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
/** How long a single locator action or wait may take unless a test says otherwise. */
export const UI_TIMEOUT_MS = 10_000;
/** node:test timeout of one test: generous, but a hung test still fails. */
const TEST_TIMEOUT_MS = 120_000;
const SERVER_LOG_LINES = 400;

// ---- Local stack ------------------------------------------------------------------------------

/**
 * What the local server writes to its -ready-file once it serves requests.
 * @typedef {object} ReadyInfo
 * @property {string} url          the site, e.g. http://127.0.0.1:PORT/ (SPA and /config.json)
 * @property {string} api          the JSON API (`<url>v1/`)
 * @property {string} cognito      the Cognito-compatible issuer (`<url>cognito/`)
 * @property {string} mailbox      the sent confirmation codes (`<url>_local/mail`)
 * @property {string} deadLetters  events the worker gave up on (`<url>_local/dead-letters`)
 */

/**
 * A running local stack.
 * @typedef {ReadyInfo & {
 *   config: {userPoolClientId: string, cognitoEndpoint?: string, apiUrl: string},
 *   output: () => string,
 *   stop: () => Promise<void>,
 * }} Stack
 */

/**
 * Runs a command, failing with its output.
 * @param {string} cmd
 * @param {string[]} args
 * @param {string} cwd
 * @returns {Promise<string>} its standard output
 */
function run(cmd, args, cwd) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The server binary: $STRATUS_LOCAL_BIN, or bin/stratus-local built from ./lambdas/cmd/stratus-local. */
async function localBinary() {
  const given = process.env.STRATUS_LOCAL_BIN;
  if (given) {
    const bin = path.resolve(given);
    if (!existsSync(bin)) throw new Error(`STRATUS_LOCAL_BIN=${given} does not exist`);
    return bin;
  }
  const bin = path.join(REPO_ROOT, 'bin', 'stratus-local');
  await run('go', ['build', '-o', bin, './lambdas/cmd/stratus-local'], REPO_ROOT);
  return bin;
}

/**
 * Builds (unless STRATUS_LOCAL_BIN is set) and starts the local server on a free port with a fresh
 * data directory, and waits until it has written its ready file.
 * @returns {Promise<Stack>}
 */
export async function startStack() {
  if (!existsSync(path.join(WEB_DIST, 'index.html'))) {
    throw new Error(`${WEB_DIST}/index.html is missing: build the app first (cd web && npm run build)`);
  }
  const bin = await localBinary();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'stratus-e2e-'));
  const readyFile = path.join(dataDir, 'ready.json');
  const args = ['-addr', '127.0.0.1:0', '-data-dir', dataDir, '-web-dir', WEB_DIST, '-ready-file', readyFile];

  /** @type {string[]} */
  const lines = [];
  const keep = (/** @type {string} */ stream) => (/** @type {Buffer} */ chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() !== '') lines.push(`[${stream}] ${line}`);
    }
    if (lines.length > SERVER_LOG_LINES) lines.splice(0, lines.length - SERVER_LOG_LINES);
  };
  const output = () => lines.join('\n');
  /** An error about the server, with the tail of its output. */
  const serverError = (/** @type {string} */ message) =>
    new Error(`${message}\n--- server output (tail) ---\n${output()}`);

  // Same process group as the tests: a Ctrl-C in the terminal reaches the server too.
  const child = spawn(bin, args, { cwd: REPO_ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', keep('stdout'));
  child.stderr.on('data', keep('stderr'));
  /** @type {Promise<{code: number | null, signal: string | null}>} */
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  /** @type {{code: number | null, signal: string | null} | null} */
  let exitStatus = null;
  void exited.then((s) => (exitStatus = s));
  /** @type {Promise<never>} */
  const spawnError = new Promise((_, reject) => child.once('error', reject));
  spawnError.catch(() => {}); // reported through the race below
  // Last resort if this process ends without running the after() hook.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const cleanUp = async () => {
    process.off('exit', killOnExit);
    await rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
  };

  let ready;
  try {
    ready = await Promise.race([waitForReadyFile(readyFile, () => exitStatus), spawnError]);
  } catch (err) {
    if (child.pid !== undefined) {
      child.kill('SIGKILL');
      await exited;
    }
    await cleanUp();
    const why = /** @type {Error} */ (err).message;
    throw serverError(`stratus-local did not start (${bin} ${args.join(' ')}): ${why}`);
  }

  const stop = async () => {
    if (exitStatus === null) {
      child.kill('SIGINT');
      const timedOut = await Promise.race([exited.then(() => false), sleep(STOP_TIMEOUT_MS, true, { ref: false })]);
      if (timedOut) {
        child.kill('SIGKILL');
        await exited;
        await cleanUp();
        throw serverError(`stratus-local did not exit within ${STOP_TIMEOUT_MS / 1000} s of SIGINT (killed it)`);
      }
    }
    await cleanUp();
    const { code, signal } = /** @type {{code: number | null, signal: string | null}} */ (exitStatus);
    if (code !== 0) {
      throw serverError(`stratus-local exited with ${signal ?? `code ${code}`} after SIGINT, not 0`);
    }
  };

  let config;
  try {
    const res = await fetch(new URL('config.json', ready.url));
    if (!res.ok) throw new Error(`GET ${res.url}: HTTP ${res.status} ${await res.text()}`);
    config = await res.json();
  } catch (err) {
    await stop().catch(() => {});
    throw new Error(`the local server's config.json is unusable: ${/** @type {Error} */ (err).message}`);
  }
  return { ...ready, config, output, stop };
}

/**
 * Polls for the ready file until it parses, the server exits, or the start timeout passes.
 * @param {string} file
 * @param {() => {code: number | null, signal: string | null} | null} exitStatus
 * @returns {Promise<ReadyInfo>}
 */
async function waitForReadyFile(file, exitStatus) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let problem = 'no ready file yet';
  while (Date.now() < deadline) {
    const status = exitStatus();
    if (status) throw new Error(`the server exited early with ${status.signal ?? `code ${status.code}`}`);
    try {
      const info = JSON.parse(await readFile(file, 'utf8'));
      for (const key of ['url', 'api', 'cognito', 'mailbox', 'deadLetters']) {
        if (typeof info[key] !== 'string' || !/^https?:\/\//.test(info[key])) {
          throw new Error(`${key} is ${JSON.stringify(info[key])}`);
        }
      }
      return info;
    } catch (err) {
      // Not written yet, or written partially: try again.
      problem = /** @type {Error} */ (err).message;
    }
    await sleep(100);
  }
  throw new Error(`no usable ready file ${file} after ${START_TIMEOUT_MS / 1000} s (${problem})`);
}

/**
 * The events the worker gave up on (GET <deadLetters> answers {"deadLetters": [...], "pending": N}).
 * @param {Stack} stack
 * @returns {Promise<unknown[]>}
 */
async function listDeadLetters(stack) {
  const res = await fetch(stack.deadLetters);
  if (!res.ok) throw new Error(`GET ${stack.deadLetters}: HTTP ${res.status} ${await res.text()}`);
  const body = await res.json();
  return Array.isArray(body?.deadLetters) ? body.deadLetters : [];
}

// ---- Users ------------------------------------------------------------------------------------

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

// ---- Waiting ----------------------------------------------------------------------------------

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

// ---- Browser and test harness -----------------------------------------------------------------

/** @returns {Promise<Browser>} Debian's Chromium, headless, with a fresh profile. */
export function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM} nor on the PATH: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A file-name-safe version of a test name.
 * @param {string} name
 */
function slug(name) {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80);
}

/**
 * Saves a full-page screenshot of a main view as test/screenshots/<name>.png, without the transient
 * "Signed in." style toast.
 * @param {Page} page
 * @param {string} name
 */
export async function screenshot(page, name) {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({
    path: path.join(SCREENSHOT_DIR, `${name}.png`),
    fullPage: true,
    animations: 'disabled',
    style: '[data-testid="announcement"] { visibility: hidden; }',
  });
}

/**
 * What a test gets: the stack, a page in a fresh browser context, and more pages in further fresh
 * contexts (another user, another session).
 * @typedef {object} Fixture
 * @property {Stack} stack
 * @property {Page} page
 * @property {() => Promise<Page>} newPage
 */

/**
 * Starts the stack and the browser for this test file and returns `test`, which runs a body with a
 * fresh browser context and, when the body fails, saves a screenshot of every page it opened
 * (test/screenshots/failed-<test name>[-n].png) and a log of the pages' errors, failed responses
 * and the server's output (failed-<test name>.log).
 */
export function e2eSuite() {
  /** @type {Stack | undefined} */
  let stack;
  /** @type {Browser | undefined} */
  let browser;

  before(async () => {
    stack = await startStack();
    browser = await launchBrowser();
  });
  after(async () => {
    /** @type {unknown[]} */
    let deadLetters = [];
    try {
      await browser?.close();
      if (stack) deadLetters = await listDeadLetters(stack);
    } finally {
      await stack?.stop();
    }
    if (deadLetters.length > 0) {
      throw new Error(`the worker gave up on ${deadLetters.length} event(s): ${JSON.stringify(deadLetters, null, 2)}`);
    }
  });

  /**
   * @param {string} name
   * @param {(f: Fixture) => Promise<void>} body
   */
  function e2eTest(name, body) {
    return test(name, { timeout: TEST_TIMEOUT_MS }, async () => {
      if (!stack || !browser) throw new Error('the stack or the browser did not start (see the before hook)');
      const s = stack;
      const b = browser;
      const evidence = `failed-${slug(name)}`;
      // Evidence of an earlier failure of this test would only mislead.
      const earlier = new RegExp(`^${evidence}(-\\d+)?\\.(png|log)$`);
      for (const file of await readdir(SCREENSHOT_DIR).catch(() => [])) {
        if (earlier.test(file)) await rm(path.join(SCREENSHOT_DIR, file), { force: true });
      }
      /** @type {BrowserContext[]} */
      const contexts = [];
      /** @type {Page[]} */
      const pages = [];
      /** @type {string[]} */
      const browserLog = [];

      const newPage = async () => {
        const context = await b.newContext({ baseURL: s.url, viewport: { width: 1280, height: 800 } });
        context.setDefaultTimeout(UI_TIMEOUT_MS);
        contexts.push(context);
        const page = await context.newPage();
        const n = pages.push(page);
        const tag = `[page ${n}]`;
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') {
            browserLog.push(`${tag} console.${m.type()}: ${m.text()}`);
          }
        });
        page.on('pageerror', (e) => browserLog.push(`${tag} page error: ${e.message}`));
        page.on('requestfailed', (r) =>
          browserLog.push(`${tag} request failed: ${r.method()} ${r.url()} (${r.failure()?.errorText})`),
        );
        page.on('response', (r) => {
          if (r.status() >= 400) browserLog.push(`${tag} HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
        });
        return page;
      };

      try {
        await body({ stack: s, page: await newPage(), newPage });
      } catch (err) {
        await mkdir(SCREENSHOT_DIR, { recursive: true });
        const saved = [];
        for (const [i, page] of pages.entries()) {
          const file = path.join(SCREENSHOT_DIR, `${evidence}${pages.length > 1 ? `-${i + 1}` : ''}.png`);
          try {
            await page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
            saved.push(`${file} (${page.url()})`);
          } catch (shotErr) {
            saved.push(`no screenshot of page ${i + 1}: ${/** @type {Error} */ (shotErr).message}`);
          }
        }
        const logFile = path.join(SCREENSHOT_DIR, `${evidence}.log`);
        // Playwright's call logs carry terminal colours.
        const failure = String(err instanceof Error ? err.stack : err).replace(/\x1b\[[0-9;]*m/g, '');
        const log = [name, '', failure, '', '--- browser ---', ...browserLog, '', '--- server output (tail) ---'];
        await writeFile(logFile, `${log.join('\n')}\n${s.output()}\n`);
        if (err instanceof Error) err.message += `\n  evidence: ${[...saved, logFile].join(', ')}`;
        throw err;
      } finally {
        for (const context of contexts) await context.close().catch(() => {});
      }
    });
  }

  return { test: e2eTest };
}
