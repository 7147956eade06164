// The browser harness of the end-to-end tests: Debian's Chromium through playwright-core, one local
// stack and one browser per test file, a fresh browser context per test, and evidence (screenshots,
// browser and server logs) of failures.
//
// Each test file calls e2eSuite() once (node --test runs every file in its own process).

import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { REPO_ROOT, listDeadLetters, startStack } from './stack.mjs';
import { UI_TIMEOUT_MS } from './wait.mjs';

/** @typedef {import('playwright-core').Browser} Browser */
/** @typedef {import('playwright-core').BrowserContext} BrowserContext */
/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('./stack.mjs').Stack} Stack */

/** Screenshots of the main views and failure evidence (gitignored). */
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test', 'screenshots');

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
/** node:test timeout of one test: generous, but a hung test still fails. */
const TEST_TIMEOUT_MS = 120_000;

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
