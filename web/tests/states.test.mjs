/**
 * states.test.mjs — what a person sees beyond the happy path: server error
 * messages (wrong password, name taken, a 503 from the list), the loading
 * state, the page at 375px width, and a keyboard-only round trip through the
 * confirmation dialog. Error answers are injected with page.route() where the
 * real back end cannot be made to fail on demand.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser,
  newPage,
  assertNoConsoleErrors,
  screenshot,
  uniqueUser,
  until,
  expectText,
  expectVisible,
  expectHidden,
  expectTotal,
  byTestId,
  itemNamed,
  afterListRefresh,
  openApp,
  register,
  logOut,
  addTodo,
  PASSWORD,
  SLOW,
  dismissNotice,
} from './helpers.mjs';

describe('states and accessibility', { timeout: 180_000 }, () => {
  let browser;

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  it('shows the server’s errorMessage for a wrong password and a taken name', async () => {
    const user = uniqueUser('errors');
    const { page, context } = await newPage(browser);
    await openApp(page);
    await register(page, user);
    await logOut(page);

    await byTestId(page, 'auth-username').fill(user);
    await byTestId(page, 'auth-password').fill('not the password');
    const answer = page.waitForResponse((res) => res.url().endsWith('/api/login/account'), { timeout: SLOW });
    await byTestId(page, 'auth-submit').click();
    const res = await answer;
    assert.equal(res.status(), 401);
    const { errorMessage } = await res.json();
    assert.ok(errorMessage, 'the contract gives an errorMessage');
    await expectText(byTestId(page, 'auth-message'), errorMessage, SLOW);
    assert.equal(await byTestId(page, 'auth-message').getAttribute('data-tone'), 'error');
    assert.equal(await byTestId(page, 'app').isVisible(), false);
    await screenshot(page, '16-login-error');

    await byTestId(page, 'auth-mode-toggle').click();
    await byTestId(page, 'auth-username').fill(user.toUpperCase());
    await byTestId(page, 'auth-password').fill(PASSWORD);
    const taken = page.waitForResponse((res2) => res2.url().endsWith('/api/register'), { timeout: SLOW });
    await byTestId(page, 'auth-submit').click();
    const takenRes = await taken;
    assert.equal(takenRes.status(), 409, 'names are unique without regard to case');
    await expectText(byTestId(page, 'auth-message'), (await takenRes.json()).errorMessage, SLOW);
    assertNoConsoleErrors(page);
    await context.close();
  });

  it('shows loading, then an error with the contract’s message and a retry that works', async () => {
    const user = uniqueUser('states');
    const { page, context } = await newPage(browser);
    await openApp(page);
    await register(page, user);
    await addTodo(page, { name: 'Survives the outage' });

    // the list is slow: "Loading…" is shown, never a blank page
    let release;
    const gate = new Promise((resolve) => {
      release = resolve;
    });
    await page.route('**/api/rule?*', async (route) => {
      await gate;
      await route.continue();
    });
    await page.reload();
    await expectVisible(byTestId(page, 'list-loading'), SLOW);
    await expectText(byTestId(page, 'list-loading'), 'Loading todos…');
    await screenshot(page, '17-loading');
    release();
    await expectTotal(page, 1);
    await expectHidden(byTestId(page, 'list-loading'));
    await page.unroute('**/api/rule?*');

    // the datastore is unreachable: the contract's 503 body is shown
    const message = 'The datastore is not reachable yet. Try again in a few seconds.';
    await page.route('**/api/rule?*', (route) =>
      route.fulfill({
        status: 503,
        headers: { 'Content-Type': 'application/json', 'Retry-After': '2' },
        body: JSON.stringify({ success: false, errorCode: 'SERVICE_UNAVAILABLE', errorMessage: message }),
      }),
    );
    await afterListRefresh(page, () => byTestId(page, 'page-size').selectOption('20'));
    await expectVisible(byTestId(page, 'list-error'));
    await expectText(byTestId(page, 'list-error-message'), message);
    await screenshot(page, '18-error-state');

    await page.unroute('**/api/rule?*');
    await afterListRefresh(page, () => byTestId(page, 'list-retry').click());
    await expectHidden(byTestId(page, 'list-error'));
    await expectVisible(itemNamed(page, 'Survives the outage'));

    // a write error shows its message too
    await page.route('**/api/rule', (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({
            status: 400,
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ success: false, errorCode: 'BAD_REQUEST', errorMessage: 'name must be 1 to 200 characters.' }),
          })
        : route.continue(),
    );
    await byTestId(page, 'new-todo-name').fill('Rejected by the server');
    await afterListRefresh(page, () => byTestId(page, 'new-todo-submit').click());
    await expectText(byTestId(page, 'notice-text'), 'name must be 1 to 200 characters.');
    assert.equal(await byTestId(page, 'new-todo-name').inputValue(), 'Rejected by the server', 'the text is kept');
    await page.unroute('**/api/rule');
    assertNoConsoleErrors(page);
    await context.close();
  });

  it('works at 375px width without sideways scrolling', async () => {
    const user = uniqueUser('phone');
    const { page, context } = await newPage(browser, { viewport: { width: 375, height: 812 } });
    await openApp(page);
    await screenshot(page, '19-mobile-login');
    await register(page, user);
    await addTodo(page, { name: 'Pick up parcel', desc: 'At the post office before 6 pm', status: 1, progress: 30 });
    await addTodo(page, { name: 'A rather long todo name that has to wrap on a narrow phone screen nicely' });
    await expectTotal(page, 2);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
    await dismissNotice(page);
    await screenshot(page, '20-mobile-list');
    assertNoConsoleErrors(page);
    await context.close();
  });

  it('can be used with the keyboard alone, with a visible focus ring', async () => {
    const user = uniqueUser('keys');
    const { page, context } = await newPage(browser);
    await openApp(page);
    await register(page, user);
    await expectTotal(page, 0);

    // the add form has the focus after login: type and press Enter
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'new-todo-name');
    await page.keyboard.type('Typed with the keyboard');
    await afterListRefresh(page, () => page.keyboard.press('Enter'));
    await expectTotal(page, 1);

    // tab to the row's Delete button
    const item = itemNamed(page, 'Typed with the keyboard');
    await until('focus on the Delete button', async () => {
      await page.keyboard.press('Tab');
      return (await page.evaluate(() => document.activeElement?.dataset.testid)) === 'todo-delete';
    });
    const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(ring, 'none', 'the focused button shows an outline');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Delete “Typed with the keyboard”');

    // Enter opens the dialog with the focus on Cancel; Escape closes it, nothing deleted
    await page.keyboard.press('Enter');
    const dialog = byTestId(page, 'confirm-dialog');
    await expectVisible(dialog);
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'confirm-cancel');
    await screenshot(page, '21-keyboard-dialog', { fullPage: false });
    await page.keyboard.press('Escape');
    await expectHidden(dialog);
    await expectVisible(item);
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'todo-delete', 'focus returns');

    // Enter, Tab to Delete, Enter: deleted
    await page.keyboard.press('Enter');
    await expectVisible(dialog);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'confirm-ok');
    await afterListRefresh(page, () => page.keyboard.press('Enter'));
    await expectTotal(page, 0);
    await expectText(byTestId(page, 'list-empty'), 'No todos yet — add your first one');

    // every control of the page has an accessible name
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea, button')]
        .filter((el) => !el.closest('[hidden]') && el.type !== 'hidden')
        .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || (el.tagName === 'BUTTON' && el.textContent.trim())))
        .map((el) => el.outerHTML.slice(0, 120)),
    );
    assert.deepEqual(unnamed, []);
    assertNoConsoleErrors(page);
    await context.close();
  });
});
