// The local stack for the browser end-to-end tests: build and run bin/stratus-local (from
// ./lambdas/cmd/stratus-local) on a free port with a fresh data folder, wait for its ready file,
// stop it, and read its dead-letter list. The browser harness is in suite.mjs, users in users.mjs.

import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** The repository root, whatever the working directory. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEB_DIST = path.join(REPO_ROOT, 'web', 'dist');

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const SERVER_LOG_LINES = 400;


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
 *   config: {userPoolClientId: string, cognitoEndpoint?: string, apiUrl: string, mfa?: 'OFF' | 'OPTIONAL' | 'ON'},
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

/** The stage the suite runs under: $STAGE (Dev, Staging or Prod), default Dev. */
export const STAGE = process.env.STAGE || 'Dev';

/**
 * The synthesized stage the server runs: $STRATUS_ASSEMBLY (`make e2e` passes the cloud assembly it
 * synthesized for STAGE), else that stage's golden templates in test/testdata, which the snapshot
 * test keeps equal to the synth.
 */
function stageAssembly() {
  if (!['Dev', 'Staging', 'Prod'].includes(STAGE)) throw new Error(`STAGE=${STAGE}: want Dev, Staging or Prod`);
  const dir = path.resolve(process.env.STRATUS_ASSEMBLY || path.join(REPO_ROOT, 'test', 'testdata', STAGE));
  if (!existsSync(dir)) throw new Error(`the assembly ${dir} does not exist: run make synth STAGE=${STAGE}`);
  return dir;
}

/**
 * Builds (unless STRATUS_LOCAL_BIN is set) and starts the local server on a free port with a fresh
 * data directory, running STAGE's synthesized settings, and waits until it has written its ready file.
 * @returns {Promise<Stack>}
 */
export async function startStack() {
  if (!existsSync(path.join(WEB_DIST, 'index.html'))) {
    throw new Error(`${WEB_DIST}/index.html is missing: build the app first (cd web && npm run build)`);
  }
  const bin = await localBinary();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'stratus-e2e-'));
  const readyFile = path.join(dataDir, 'ready.json');
  const args = ['-assembly', stageAssembly(), '-addr', '127.0.0.1:0', '-data-dir', dataDir, '-web-dir', WEB_DIST, '-ready-file', readyFile];

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
export async function listDeadLetters(stack) {
  const res = await fetch(stack.deadLetters);
  if (!res.ok) throw new Error(`GET ${stack.deadLetters}: HTTP ${res.status} ${await res.text()}`);
  const body = await res.json();
  return Array.isArray(body?.deadLetters) ? body.deadLetters : [];
}
