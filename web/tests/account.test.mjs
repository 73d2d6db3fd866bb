/**
 * account.test.mjs — the end of a session and of an account: a logout the
 * server cannot carry out (503) keeps the user logged in and says so, and a
 * logout that works ends the session on the server (its cookie is refused
 * afterwards); deleting the account asks for the password in a dialog, shows
 * the server's 403 and 429 messages there, and on success returns to the
 * login form saying what was deleted — the old cookie is refused and the
 * name can be registered again.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  PASSWORD,
  SLOW,
  suiteBrowser,
  assertNoConsoleErrors,
  screenshot,
  expectText,
  expectVisible,
  expectHidden,
  expectTotal,
  byTestId,
  afterListRefresh,
  createTodosViaApi,
  apiList,
  register,
  signedInPage,
  dismissNotice,
} from './helpers.mjs';

const focused = (page) => page.evaluate(() => document.activeElement?.dataset.testid ?? document.activeElement?.id);

/** The status of GET /api/currentUser with the page's cookies. */
async function currentUserStatus(page) {
  return (await page.request.get(`${BASE_URL}/api/currentUser`)).status();
}

/** Open the "Delete account" dialog, type `password` and confirm; resolves to the server's answer. */
async function confirmDeletion(page, password) {
  const dialog = byTestId(page, 'account-dialog');
  if (!(await dialog.isVisible())) {
    await byTestId(page, 'delete-account').click();
    await expectVisible(dialog);
  }
  await byTestId(dialog, 'account-password').fill(password);
  const answer = page.waitForResponse(
    (res) => new URL(res.url()).pathname === '/api/currentUser' && res.request().method() === 'DELETE',
    { timeout: SLOW },
  );
  await byTestId(dialog, 'account-confirm').click();
  return answer;
}

describe('logging out and deleting the account', { timeout: 180_000 }, () => {
  const browser = suiteBrowser();

  it('stays logged in when the logout fails, and a logout that works ends the session on the server', async () => {
    const { page, context, user } = await signedInPage(browser(), 'logout503');
    await expectTotal(page, 0);

    await page.route('**/api/login/outLogin', (route) =>
      route.fulfill({
        status: 503,
        headers: { 'Content-Type': 'application/json', 'Retry-After': '1' },
        body: JSON.stringify({
          success: false,
          errorCode: 'SERVICE_UNAVAILABLE',
          errorMessage: 'The datastore is unavailable right now; please retry in a moment.',
        }),
      }),
    );
    await byTestId(page, 'logout').click();
    await expectText(
      byTestId(page, 'notice-text'),
      'Error: Could not log out: the service is unavailable right now (HTTP 503). You are still logged in; please try again.',
    );
    assert.equal(await byTestId(page, 'app').isVisible(), true, 'still on the todo page');
    assert.equal(await byTestId(page, 'auth').isVisible(), false);
    await expectText(byTestId(page, 'current-user'), user);
    assert.equal(await byTestId(page, 'logout').getAttribute('aria-disabled'), null, 'Log out can be pressed again');
    assert.equal(await currentUserStatus(page), 200, 'the session is still valid');
    await screenshot(page, '42-logout-failed', { fullPage: false });

    // the outage is over: logging out works, and ends the session on the server
    await page.unroute('**/api/login/outLogin');
    const cookies = await context.cookies();
    await byTestId(page, 'logout').click();
    await expectVisible(byTestId(page, 'auth'));
    await expectText(byTestId(page, 'auth-message'), 'You have logged out.');
    await context.addCookies(cookies); // a copy of the old cookie…
    assert.equal(await currentUserStatus(page), 401, '…is refused: the session is over');
    assert.equal((await apiList(page)).status, 401);
    assertNoConsoleErrors(page);
    await context.close();
  });

  it('deletes the account after the password is confirmed; a wrong one deletes nothing', async () => {
    const { page, context, user } = await signedInPage(browser(), 'leaving');
    await createTodosViaApi(page, ['First', 'Second', 'Third']);
    await afterListRefresh(page, () => page.reload());
    await expectTotal(page, 3);

    // an accessible way in: a named button that opens a modal dialog with the focus in the password field
    const open = page.getByRole('button', { name: 'Delete account…' });
    await open.click();
    const dialog = byTestId(page, 'account-dialog');
    await expectVisible(dialog);
    assert.equal(await focused(page), 'account-password');
    await expectText(byTestId(dialog, 'account-dialog-text'), `This deletes the account “${user}” and all of its todos`);
    assert.equal(await page.getByRole('dialog', { name: 'Delete your account?' }).count(), 1);

    // a wrong password: the server's 403 message in the dialog, nothing deleted
    const refused = await confirmDeletion(page, 'not my password');
    assert.equal(refused.status(), 403);
    const { errorMessage } = await refused.json();
    await expectText(byTestId(dialog, 'account-error'), errorMessage);
    assert.equal(await dialog.isVisible(), true, 'the dialog stays open');
    assert.equal(await focused(page), 'account-password');
    await screenshot(page, '43-delete-account-wrong-password', { fullPage: false });
    assert.equal(await currentUserStatus(page), 200, 'still logged in');
    assert.equal((await apiList(page)).body.total, 3, 'no todo deleted');

    // Cancel closes it, focus back on the button; opening it again starts clean
    await byTestId(dialog, 'account-cancel').click();
    await expectHidden(dialog);
    assert.equal(await focused(page), 'delete-account');
    await open.click();
    await expectVisible(dialog);
    assert.equal(await byTestId(dialog, 'account-password').inputValue(), '');
    assert.equal(await byTestId(dialog, 'account-error').isVisible(), false);

    // the right password: deleted, back at the login form with what was deleted
    const cookies = await context.cookies();
    const deleted = await confirmDeletion(page, PASSWORD);
    assert.equal(deleted.status(), 200);
    assert.deepEqual(await deleted.json(), { success: true, deletedTodos: 3 });
    await expectVisible(byTestId(page, 'auth'));
    await expectHidden(dialog);
    await expectText(byTestId(page, 'auth-message'), `The account “${user}” and its 3 todos were deleted.`);
    assert.equal(await byTestId(page, 'auth-message').getAttribute('data-tone'), 'success');
    assert.equal(await byTestId(page, 'app').isVisible(), false);
    assert.equal(await byTestId(page, 'userbox').isVisible(), false);
    await screenshot(page, '44-account-deleted');

    // the old session cookie is refused everywhere
    await context.addCookies(cookies);
    assert.equal(await currentUserStatus(page), 401);
    assert.equal((await apiList(page)).status, 401);
    const login = await page.request.post(`${BASE_URL}/api/login/account`, {
      data: { userName: user, password: PASSWORD, type: 'account' },
    });
    assert.equal(login.status(), 401, 'the account is gone');
    await context.clearCookies();

    // the name is free again: a new, empty account
    await page.reload();
    await expectVisible(byTestId(page, 'auth'));
    assert.equal(await byTestId(page, 'auth-message').isVisible(), false, 'not “your session has expired”');
    await register(page, user);
    await expectTotal(page, 0);
    assertNoConsoleErrors(page);
    await context.close();
  });

  it('shows the server’s 429 in the dialog once the attempts are used up', async () => {
    const { page, context, user } = await signedInPage(browser(), 'guessing');
    await createTodosViaApi(page, ['Still here']);
    // five wrong passwords (the login throttle's limit) straight through the API
    for (let i = 0; i < 5; i += 1) {
      const res = await page.request.delete(`${BASE_URL}/api/currentUser`, { data: { password: `wrong ${i}` } });
      assert.equal(res.status(), 403);
    }
    await dismissNotice(page);
    const throttled = await confirmDeletion(page, PASSWORD);
    assert.equal(throttled.status(), 429);
    assert.ok(Number(throttled.headers()['retry-after']) > 0, 'Retry-After is sent');
    const dialog = byTestId(page, 'account-dialog');
    await expectText(byTestId(dialog, 'account-error'), (await throttled.json()).errorMessage);
    assert.equal(await dialog.isVisible(), true);
    await screenshot(page, '45-delete-account-throttled', { fullPage: false });

    // Escape closes it; the account and its todo are still there
    await page.keyboard.press('Escape');
    await expectHidden(dialog);
    await expectText(byTestId(page, 'current-user'), user);
    assert.equal((await apiList(page)).body.total, 1);
    assertNoConsoleErrors(page);
    await context.close();
  });
});
