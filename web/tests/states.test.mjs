/**
 * states.test.mjs — what a person sees beyond the happy path: server error
 * messages (wrong password, name taken, a 503 from the list), the loading
 * state, failed page / page-size / filter changes (rolled back to what is
 * shown, the error next to the control used), what the platform serves, the
 * page at 375px width, a keyboard-only round trip through the
 * confirmation dialog, and a dialog reopened before its last close event.
 * Error answers are injected with page.route() where the real back end
 * cannot be made to fail on demand.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  suiteBrowser,
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
  listNames,
  expectCount,
  createTodosViaApi,
  BASE_URL,
  afterListRefresh,
  openApp,
  register,
  logOut,
  addTodo,
  PASSWORD,
  SLOW,
  dismissNotice,
  signedInPage,
} from './helpers.mjs';

describe('states and accessibility', { timeout: 180_000 }, () => {
  const browser = suiteBrowser();

  it('shows the server’s errorMessage for a wrong password and a taken name', async () => {
    const { page, context, user } = await signedInPage(browser(), 'errors');
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
    const { page, context, user } = await signedInPage(browser(), 'states');
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
    // click, not check(): the failed fetch un-checks the box again, on purpose
    await afterListRefresh(page, () => byTestId(page, 'filter-status-0').click());
    await expectVisible(byTestId(page, 'list-error'));
    await expectText(byTestId(page, 'list-error-message'), message);
    await expectText(byTestId(page, 'list-error-message'), 'Could not apply the filters');
    assert.equal(await byTestId(page, 'filter-status-0').isChecked(), false, 'the filter is set back to what is shown');
    await screenshot(page, '18-error-state');

    await page.unroute('**/api/rule?*');
    await afterListRefresh(page, () => byTestId(page, 'list-retry').click());
    await expectHidden(byTestId(page, 'list-error'));
    assert.equal(await byTestId(page, 'filter-status-0').isChecked(), true, 'Try again applies the filter asked for');
    await expectText(byTestId(page, 'todo-total'), '1 todo matches the filters');
    await expectVisible(itemNamed(page, 'Survives the outage'));
    await afterListRefresh(page, () => byTestId(page, 'filter-clear').click());

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

  it('keeps page, page size and filters in line with the rows when a fetch fails, and says so by the pager', async () => {
    const { page, context, user } = await signedInPage(browser(), 'pager');
    const names = Array.from({ length: 32 }, (_, i) => `Paged ${String(i + 1).padStart(2, '0')}`);
    await createTodosViaApi(page, names);
    await afterListRefresh(page, () => page.reload());
    await expectTotal(page, 32);
    await expectText(byTestId(page, 'page-info'), 'Page 1 of 4');
    const firstPage = await listNames(page);
    assert.equal(firstPage.length, 10);

    // the server is down: Next fails; page 1 stays, and so does "Page 1 of 4"
    await page.route('**/api/rule?*', (route) => route.abort('connectionrefused'));
    await byTestId(page, 'page-next').click();
    const pagerError = byTestId(page, 'pager-error');
    await expectVisible(pagerError);
    await expectText(byTestId(pagerError, 'pager-error-message'), 'Could not show page 2');
    await expectText(byTestId(pagerError, 'pager-error-message'), 'Still showing page 1');
    await expectText(byTestId(page, 'page-info'), 'Page 1 of 4');
    assert.deepEqual(await listNames(page), firstPage);
    assert.equal(await byTestId(page, 'list-error').isVisible(), false, 'not in the box above the list');
    await until('the list to settle', async () => (await byTestId(page, 'todo-list').getAttribute('aria-busy')) === 'false');
    await screenshot(page, '22-pager-error');

    // a 503 after choosing 20 per page: the select goes back to 10, with 10 rows
    const message = 'The datastore is not reachable yet. Try again in a few seconds.';
    await page.unroute('**/api/rule?*');
    await page.route('**/api/rule?*', (route) =>
      route.fulfill({
        status: 503,
        headers: { 'Content-Type': 'application/json', 'Retry-After': '2' },
        body: JSON.stringify({ success: false, errorCode: 'SERVICE_UNAVAILABLE', errorMessage: message }),
      }),
    );
    await afterListRefresh(page, () => byTestId(page, 'page-size').selectOption('20'));
    await expectText(byTestId(pagerError, 'pager-error-message'), `Could not show 20 per page: ${message} Still showing 10 per page.`);
    assert.equal(await byTestId(page, 'page-size').inputValue(), '10');
    await expectCount(page.locator('[data-testid="todo-item"]'), 10);
    await expectText(byTestId(page, 'page-info'), 'Page 1 of 4');
    // the message is in view and not under the toast
    await until('the pager error in view, above any toast', async () => {
      const err = await pagerError.boundingBox();
      const viewport = page.viewportSize();
      const toast = (await byTestId(page, 'notice-close').isVisible()) ? await byTestId(page, 'notice').boundingBox() : null;
      return err.y >= 0 && err.y + err.height <= (toast ? toast.y : viewport.height) + 1; // subpixel rounding
    });

    // Try again (next to the pager) repeats the change that failed
    await page.unroute('**/api/rule?*');
    await afterListRefresh(page, () => byTestId(pagerError, 'pager-retry').click());
    await expectHidden(pagerError);
    assert.equal(await byTestId(page, 'page-size').inputValue(), '20');
    await expectCount(page.locator('[data-testid="todo-item"]'), 20);
    await expectText(byTestId(page, 'page-info'), 'Page 1 of 2');

    // a name filter that cannot be fetched is set back, the error is under the filters
    await page.route('**/api/rule?*', (route) => route.abort('connectionrefused'));
    await byTestId(page, 'filter-name').fill('Paged 3');
    await expectVisible(byTestId(page, 'list-error'));
    await expectText(byTestId(page, 'list-error-message'), 'Could not apply the filters');
    assert.equal(await byTestId(page, 'filter-name').inputValue(), '');
    await expectText(byTestId(page, 'todo-total'), '32 todos');
    await page.unroute('**/api/rule?*');
    await afterListRefresh(page, () => byTestId(page, 'list-retry').click());
    await expectTotal(page, 3);
    assert.equal(await byTestId(page, 'filter-name').inputValue(), 'Paged 3');
    await expectText(byTestId(page, 'todo-total'), '3 todos match the filters');
    // the browser logs the refused connections of the simulated outage itself
    page.consoleErrors = page.consoleErrors.filter((text) => !/net::ERR_CONNECTION_REFUSED/.test(text));
    assertNoConsoleErrors(page);
    await context.close();
  });

  it('serves only the app: no tests, node_modules, README or dotfiles; the CSP limits forms', async () => {
    const { page, context } = await newPage(browser());
    for (const path of ['/tests/run.mjs', '/tests/node_modules/playwright-core/package.json', '/tests/', '/README.md', '/.gitignore']) {
      const res = await page.request.get(`${BASE_URL}${path}`);
      assert.equal(res.status(), 404, `${path} answered ${res.status()}`);
      assert.equal(res.headers()['content-type'], 'application/json', path);
      const body = await res.json();
      assert.equal(body.success, false, path);
      assert.equal(body.errorCode, 'NOT_FOUND', path);
    }
    const index = await page.request.get(`${BASE_URL}/`);
    assert.equal(index.status(), 200);
    const csp = index.headers()['content-security-policy'];
    for (const directive of ["form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"]) {
      assert.ok(csp.includes(directive), `the CSP lacks ${directive}: ${csp}`);
    }
    assert.equal((await page.request.get(`${BASE_URL}/app/main.js`)).status(), 200);
    await context.close();
  });

  it('works at 375px width without sideways scrolling', async () => {
    const user = uniqueUser('phone');
    const { page, context } = await newPage(browser(), { viewport: { width: 375, height: 812 } });
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

  it('answers each confirmation once, even when the dialog reopens before the last close event arrives', async () => {
    const { page, context } = await signedInPage(browser(), 'quick');
    await createTodosViaApi(page, ['Quick one']);
    await afterListRefresh(page, () => page.reload());
    await expectTotal(page, 1);
    await byTestId(itemNamed(page, 'Quick one'), 'todo-delete').click();
    const dialog = byTestId(page, 'confirm-dialog');
    await expectVisible(dialog);
    // closed and reopened within one task, as a quick Escape then Enter can be on a busy
    // machine: the browser delivers the first close event while the dialog is open again
    await page.evaluate(() => {
      document.querySelector('[data-testid="confirm-dialog"]').close();
      document.querySelector('[data-testid="todo-item"] [data-testid="todo-delete"]').click();
    });
    await expectVisible(dialog);
    await afterListRefresh(page, () => byTestId(page, 'confirm-ok').click());
    await expectTotal(page, 0);
    assertNoConsoleErrors(page);
    await context.close();
  });

  it('can be used with the keyboard alone, with a visible focus ring', async () => {
    const { page, context, user } = await signedInPage(browser(), 'keys');
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
    // named by the row's name element, not by a copy of the name
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), null);
    const named = page.getByRole('button', { name: 'Delete Typed with the keyboard', exact: true });
    assert.equal(await named.evaluate((el) => el === document.activeElement), true);

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
    const unnamed = await page.evaluate(() => {
      const labelledBy = (el) => {
        const ids = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
        return ids.length > 0 && ids.every((id) => document.getElementById(id)?.textContent.trim());
      };
      return [...document.querySelectorAll('input, select, textarea, button')]
        .filter((el) => !el.closest('[hidden]') && el.type !== 'hidden')
        .filter(
          (el) =>
            !(el.labels?.length || el.getAttribute('aria-label') || labelledBy(el) || (el.tagName === 'BUTTON' && el.textContent.trim())),
        )
        .map((el) => el.outerHTML.slice(0, 120));
    });
    assert.deepEqual(unnamed, []);
    assertNoConsoleErrors(page);
    await context.close();
  });
});
