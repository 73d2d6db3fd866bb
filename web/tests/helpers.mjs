/**
 * helpers.mjs — shared plumbing of the end-to-end tests.
 *
 * Launches Debian's chromium through playwright-core (never a downloaded
 * browser), opens pages on TODO_BASE_URL, records console errors (CSP
 * violations, uncaught exceptions), saves screenshots to
 * <repo>/target/screenshots, and offers small waiting helpers (playwright-core
 * has no `expect`) plus the user actions the scenarios repeat.
 */
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

export const BASE_URL = (process.env.TODO_BASE_URL || '').replace(/\/+$/, '');
if (!BASE_URL) {
  throw new Error('TODO_BASE_URL is not set. Run `node web/tests/run.mjs` (starts the local platform) or set TODO_BASE_URL.');
}

export const SCREENSHOT_DIR = fileURLToPath(new URL('../../target/screenshots/', import.meta.url));
mkdirSync(SCREENSHOT_DIR, { recursive: true });

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Log in / register may be slow on a debug build (Argon2id), so waits are generous. */
export const SLOW = 45_000;
export const WAIT = 15_000;

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/**
 * Inside a describe(): one browser for the suite, launched before its tests
 * and closed after them. Returns a getter: `const browser = suiteBrowser();`
 * then `signedInPage(browser(), …)`.
 */
export function suiteBrowser() {
  let browser = null;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });
  return () => browser;
}

/**
 * A new browser context and page. `page.consoleErrors` collects console
 * errors and page errors, except the browser's own "Failed to load resource:
 * the server responded with a status of ..." lines, which Chromium logs for
 * every non-2xx answer the app handles on purpose (401 before login, 409, ...).
 */
export async function newPage(browser, { viewport = { width: 1100, height: 900 } } = {}) {
  // Reduced motion: no colour transitions, so a computed style read right after a
  // change is the final one (a 0.15 s fade once made a contrast check read 4.1:1).
  const context = await browser.newContext({ viewport, baseURL: BASE_URL, reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.consoleErrors = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (/^Failed to load resource: the server responded with a status of \d{3}\b/.test(text)) return;
    page.consoleErrors.push(text);
  });
  page.on('pageerror', (err) => page.consoleErrors.push(`pageerror: ${err.message}`));
  // The last API exchanges, for the message of a wait that times out.
  page.apiLog = [];
  const remember = (line) => {
    page.apiLog.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (page.apiLog.length > 20) page.apiLog.shift();
  };
  const isApi = (req) => new URL(req.url()).pathname.startsWith('/api/');
  page.on('request', (req) => isApi(req) && remember(`-> ${req.method()} ${req.url()}`));
  page.on('requestfailed', (req) => isApi(req) && remember(`xx ${req.method()} ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => isApi(res.request()) && remember(`<- ${res.status()} ${res.request().method()} ${res.url()}`));
  return { context, page };
}

/** Fail if the page logged errors (a CSP violation, an exception, ...). */
export function assertNoConsoleErrors(page) {
  assert.deepEqual(page.consoleErrors, [], `the page logged errors:\n${page.consoleErrors.join('\n')}`);
}

/** Save target/screenshots/<name>.png (whole page, or only the viewport, e.g. for a modal dialog). */
export async function screenshot(page, name, { fullPage = true } = {}) {
  await page.screenshot({ path: `${SCREENSHOT_DIR}${name}.png`, fullPage });
}

/** Close the message toast if one is shown (e.g. before a full-page screenshot). */
export async function dismissNotice(page) {
  const close = page.locator('[data-testid="notice-close"]');
  if (await close.isVisible()) await close.click();
}

/** A user name that is new on every run (3..32 of [A-Za-z0-9_.-]). */
export function uniqueUser(prefix) {
  return `${prefix}_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`.slice(0, 32);
}

export const PASSWORD = 'correct horse battery';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `fn` until it returns a truthy value. */
export async function until(what, fn, timeout = WAIT) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${detail})`);
    }
    await sleep(50);
  }
}

/** Wait until the locator's text matches (string: contains; RegExp: test). */
export async function expectText(locator, expected, timeout = WAIT) {
  let seen = '';
  try {
    await until(`text ${expected}`, async () => {
      seen = (await locator.textContent({ timeout: 1000 })) ?? '';
      return typeof expected === 'string' ? seen.includes(expected) : expected.test(seen);
    }, timeout);
  } catch (err) {
    throw new Error(`expected text ${expected} but saw ${JSON.stringify(seen)}: ${err.message}`);
  }
}

export async function expectCount(locator, n, timeout = WAIT) {
  let count = -1;
  try {
    await until(`${n} elements`, async () => (count = await locator.count()) === n, timeout);
  } catch (err) {
    throw new Error(`expected ${n} elements but saw ${count}: ${err.message}`);
  }
}

export async function expectVisible(locator, timeout = WAIT) {
  await locator.waitFor({ state: 'visible', timeout });
}

export async function expectHidden(locator, timeout = WAIT) {
  await locator.waitFor({ state: 'hidden', timeout });
}

/**
 * For a suite whose tests are the steps of one story: once a step fails, the
 * later steps are skipped (they would only fail for the same reason, slowly).
 */
export function storySteps(it) {
  let broken = null;
  return (name, fn) =>
    it(name, async (t) => {
      if (broken) {
        t.skip(`an earlier step failed: ${broken}`);
        return;
      }
      try {
        await fn(t);
      } catch (err) {
        broken = name;
        throw err;
      }
    });
}

export const byTestId = (root, id) => root.locator(`[data-testid="${id}"]`);

/** The names shown in the list, in order. */
export async function listNames(page) {
  return page.locator('[data-testid="todo-item"] [data-testid="todo-name"]').allTextContents();
}

export function itemNamed(page, name) {
  return page.locator('[data-testid="todo-item"]').filter({
    has: page.locator('[data-testid="todo-name"]', { hasText: new RegExp(`^${escapeRegExp(name)}$`) }),
  });
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Run `action` and wait for the list to be re-fetched and rendered after it. */
export async function afterListRefresh(page, action) {
  const refreshed = page.waitForResponse(
    (res) => res.request().method() === 'GET' && /\/api\/rule(\?|$)/.test(new URL(res.url()).pathname + new URL(res.url()).search),
    { timeout: WAIT },
  );
  await action();
  try {
    await refreshed;
  } catch (err) {
    const focus = await page.evaluate(() => document.activeElement?.dataset.testid ?? document.activeElement?.tagName);
    err.message += `\nno list refresh; focus on ${focus}; recent API traffic:\n  ${(page.apiLog ?? []).join('\n  ')}`;
    throw err;
  }
  await page.locator('[data-testid="todo-list"][aria-busy="false"]').waitFor({ state: 'attached' });
}

/** Wait until the list is settled and shows this total. */
export async function expectTotal(page, total) {
  await until(`total ${total}`, async () => {
    const busy = await page.locator('[data-testid="todo-list"]').getAttribute('aria-busy');
    const shown = await page.locator('[data-testid="todo-total"]').getAttribute('data-total');
    return busy === 'false' && shown === String(total);
  });
}

// ---- user actions ----------------------------------------------------------

export async function openApp(page) {
  await page.goto(`${BASE_URL}/`);
  await until('login form or app', async () =>
    (await byTestId(page, 'auth').isVisible()) || (await byTestId(page, 'app').isVisible()),
  SLOW);
}

export async function register(page, userName, password = PASSWORD) {
  await expectVisible(byTestId(page, 'auth'));
  if ((await byTestId(page, 'auth-submit').textContent()) !== 'Create account') {
    await byTestId(page, 'auth-mode-toggle').click();
  }
  await expectText(byTestId(page, 'auth-submit'), 'Create account');
  await byTestId(page, 'auth-username').fill(userName);
  await byTestId(page, 'auth-password').fill(password);
  await byTestId(page, 'auth-submit').click();
  await expectVisible(byTestId(page, 'app'), SLOW);
  await expectText(byTestId(page, 'current-user'), userName, SLOW);
}

/**
 * A new page (see newPage) with the app open and a fresh user, named after
 * `label`, registered and signed in: the start of most tests.
 */
export async function signedInPage(browser, label, options) {
  const user = uniqueUser(label);
  const { page, context } = await newPage(browser, options);
  await openApp(page);
  await register(page, user);
  return { page, context, user };
}

export async function logIn(page, userName, password = PASSWORD) {
  await expectVisible(byTestId(page, 'auth'));
  await expectText(byTestId(page, 'auth-submit'), 'Log in');
  await byTestId(page, 'auth-username').fill(userName);
  await byTestId(page, 'auth-password').fill(password);
  await byTestId(page, 'auth-submit').click();
  await expectVisible(byTestId(page, 'app'), SLOW);
  await expectText(byTestId(page, 'current-user'), userName, SLOW);
}

export async function logOut(page) {
  await byTestId(page, 'logout').click();
  await expectVisible(byTestId(page, 'auth'));
}

/** Add a todo through the form and wait for the refreshed list to show it. */
export async function addTodo(page, { name, desc = '', status, progress }) {
  const form = byTestId(page, 'new-todo-form');
  await byTestId(form, 'new-todo-name').fill(name);
  await byTestId(form, 'new-todo-desc').fill(desc);
  if (status !== undefined) await byTestId(form, 'new-todo-status').selectOption(String(status));
  if (progress !== undefined) await byTestId(form, 'new-todo-progress').fill(String(progress));
  await afterListRefresh(page, () => byTestId(form, 'new-todo-submit').click());
  await expectVisible(itemNamed(page, name));
  await until('the add form to be cleared', async () => (await byTestId(form, 'new-todo-name').inputValue()) === '');
}

/** Create todos straight through the API with the page's session cookie (fast set-up). */
export async function createTodosViaApi(page, names) {
  const created = [];
  for (const name of names) {
    const res = await page.request.post(`${BASE_URL}/api/rule`, { data: { name } });
    assert.equal(res.status(), 201, `POST /api/rule answered ${res.status()}: ${await res.text()}`);
    created.push(await res.json());
  }
  return created;
}

/** GET /api/rule with the page's session cookie. */
export async function apiList(page, query = '') {
  const res = await page.request.get(`${BASE_URL}/api/rule?pageSize=100${query}`);
  return { status: res.status(), body: await res.json() };
}

// ---- lost answers -------------------------------------------------------------

/** The contract's error bodies of the answers after which a write's fate is unknown. */
const UNCERTAIN_ANSWERS = {
  502: { errorCode: 'FUNCTION_CRASHED', errorMessage: 'The rule function crashed while handling the request.' },
  503: {
    errorCode: 'SERVICE_UNAVAILABLE',
    errorMessage:
      'The datastore is unavailable right now; please retry in a moment (a write may have been applied: retry it with the same Idempotency-Key).',
  },
  504: { errorCode: 'GATEWAY_TIMEOUT', errorMessage: 'The rule function did not answer in time.' },
};

const isRuleWrite = (url) => url.pathname === '/api/rule';

/**
 * Lose the answers to writes: every `method` request to /api/rule reaches the
 * server (route.fetch), but the page is told that the first `times` failed —
 * with a synthetic `failWith` answer (502, 503 or 504, the contract's body,
 * `Retry-After: retryAfter`) or, for 'abort', with no answer at all — though
 * the server did the write. Later attempts get the server's real answer.
 * Returns {attempts, stop()}; each attempt is {key (its Idempotency-Key),
 * body, status (the server's real one), replayed, at (ms)}.
 */
export async function loseWriteAnswers(page, { method, times = 1, failWith = 503, retryAfter = '1' }) {
  const attempts = [];
  const handler = async (route) => {
    const request = route.request();
    if (request.method() !== method) return route.fallback();
    const real = await route.fetch();
    const headers = real.headers();
    attempts.push({
      key: request.headers()['idempotency-key'],
      body: request.postDataJSON(),
      status: real.status(),
      replayed: headers['idempotent-replayed'] === 'true',
      at: Date.now(),
    });
    if (attempts.length > times) return route.fulfill({ response: real });
    if (failWith === 'abort') return route.abort('connectionreset');
    return route.fulfill({
      status: failWith,
      headers: { 'Content-Type': 'application/json', 'Retry-After': retryAfter },
      body: JSON.stringify({ success: false, ...UNCERTAIN_ANSWERS[failWith] }),
    });
  };
  await page.route(isRuleWrite, handler);
  return { attempts, stop: () => page.unroute(isRuleWrite, handler) };
}

/** Todos of the page's user whose name is `name` (via the API). */
export async function apiTodosNamed(page, name) {
  const { status, body } = await apiList(page);
  assert.equal(status, 200);
  return body.data.filter((rule) => rule.name === name);
}
