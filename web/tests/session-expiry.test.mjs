/**
 * session-expiry.test.mjs — when the session ends under the user (simulated
 * with context.clearCookies()), the next action returns to the login form
 * with "Your session has expired; please log in again", and the user's unsaved
 * input (new-todo form, inline edit, a status or progress change) is
 * restored after logging in again — also across a page reload — but never
 * for a different user. A restored edit that the restored filters would hide
 * is brought into view. Opening the page with an expired cookie says so too.
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
  afterListRefresh,
  openApp,
  register,
  logIn,
  logOut,
  addTodo,
  apiList,
  createTodosViaApi,
  BASE_URL,
  PASSWORD,
  SLOW,
  signedInPage,
} from './helpers.mjs';

const EXPIRED = 'Your session has expired; please log in again';

describe('an expired session', { timeout: 180_000 }, () => {
  const browser = suiteBrowser();

  it('returns to login on save and restores the inline edit and the add form, even after a reload', async () => {
    const { page, context, user } = await signedInPage(browser(), 'sleepy');
    await addTodo(page, { name: 'Existing todo', desc: 'old text' });

    // unsaved input in two places
    await byTestId(itemNamed(page, 'Existing todo'), 'todo-edit').click();
    await byTestId(page, 'todo-edit-name').fill('Existing todo, edited while away');
    await byTestId(page, 'todo-edit-desc').fill('new text typed before the session ended');
    await byTestId(page, 'new-todo-name').fill('Idea typed before expiry');
    await byTestId(page, 'new-todo-desc').fill('do not lose me');

    await context.clearCookies();
    await byTestId(page, 'todo-edit-save').click();

    await expectVisible(byTestId(page, 'auth'));
    await expectText(byTestId(page, 'auth-message'), EXPIRED);
    assert.equal(await byTestId(page, 'app').isVisible(), false);
    assert.equal(await byTestId(page, 'auth-username').inputValue(), user, 'the user name is prefilled');
    await screenshot(page, '12-session-expired');

    // a reload before logging in keeps the draft (sessionStorage)
    await page.reload();
    await expectVisible(byTestId(page, 'auth'), SLOW);
    await expectText(byTestId(page, 'auth-message'), 'unsaved input will be restored');

    await logIn(page, user);
    await expectTotal(page, 1);
    await until('the add form to be restored', async () =>
      (await byTestId(page, 'new-todo-name').inputValue()) === 'Idea typed before expiry');
    assert.equal(await byTestId(page, 'new-todo-desc').inputValue(), 'do not lose me');
    const editor = byTestId(page, 'todo-editor');
    await expectVisible(editor);
    assert.equal(await byTestId(editor, 'todo-edit-name').inputValue(), 'Existing todo, edited while away');
    assert.equal(await byTestId(editor, 'todo-edit-desc').inputValue(), 'new text typed before the session ended');
    await expectText(byTestId(page, 'notice-text'), 'unsaved input was restored');
    await screenshot(page, '13-draft-restored');

    // the restored edit can be saved now
    await afterListRefresh(page, () => byTestId(editor, 'todo-edit-save').click());
    await expectHidden(editor);
    await expectVisible(itemNamed(page, 'Existing todo, edited while away'));
    const { body } = await apiList(page);
    assert.equal(body.data[0].desc, 'new text typed before the session ended');
    assertNoConsoleErrors(page);
    await context.close();
  });

  it('keeps the text of a todo whose add failed because the session had expired', async () => {
    const { page, context, user } = await signedInPage(browser(), 'adder');
    await expectTotal(page, 0);

    await byTestId(page, 'new-todo-name').fill('Added after expiry');
    await byTestId(page, 'new-todo-status').selectOption('3');
    await byTestId(page, 'new-todo-progress').fill('15');
    await context.clearCookies();
    await byTestId(page, 'new-todo-submit').click();

    await expectText(byTestId(page, 'auth-message'), EXPIRED);
    await logIn(page, user);
    await expectTotal(page, 0); // nothing was created
    await until('the add form to be restored', async () =>
      (await byTestId(page, 'new-todo-name').inputValue()) === 'Added after expiry');
    assert.equal(await byTestId(page, 'new-todo-status').inputValue(), '3');
    assert.equal(await byTestId(page, 'new-todo-progress').inputValue(), '15');

    // submitting it now works
    await afterListRefresh(page, () => byTestId(page, 'new-todo-submit').click());
    await expectTotal(page, 1);
    const added = itemNamed(page, 'Added after expiry');
    assert.equal(await byTestId(added, 'todo-status').inputValue(), '3');
    assert.equal(await byTestId(added, 'todo-progress').inputValue(), '15');
    assertNoConsoleErrors(page);
    await context.close();
  });

  it('also notices an expiry on a status change, and never gives the draft to another user', async () => {
    const user = uniqueUser('first');
    const other = uniqueUser('second');
    const { page, context } = await newPage(browser());
    await openApp(page);
    await register(page, other);
    await logOut(page);
    await register(page, user);
    await addTodo(page, { name: 'Status will fail' });
    await byTestId(page, 'new-todo-name').fill('Private draft of the first user');

    await context.clearCookies();
    await byTestId(itemNamed(page, 'Status will fail'), 'todo-status').selectOption('1');
    await expectText(byTestId(page, 'auth-message'), EXPIRED);

    await byTestId(page, 'auth-username').fill('');
    await logIn(page, other);
    await expectTotal(page, 0);
    assert.equal(await byTestId(page, 'new-todo-name').inputValue(), '', 'another user does not get the draft');
    assertNoConsoleErrors(page);
    await context.close();
  });

  it('says the session expired when the page is opened with an expired cookie, not after a logout', async () => {
    const { page, context, user } = await signedInPage(browser(), 'returning');
    await expectTotal(page, 0);

    // the cookie runs out while the page is closed
    await context.clearCookies();
    await page.reload();
    await expectVisible(byTestId(page, 'auth'), SLOW);
    await expectText(byTestId(page, 'auth-message'), 'Your session has expired; please log in again.');
    assert.equal(await byTestId(page, 'auth-message').getAttribute('data-tone'), 'warning');
    await screenshot(page, '14-expired-on-open');

    // after logging in and out, the next visit is a plain login form
    await logIn(page, user);
    await logOut(page);
    await page.reload();
    await expectVisible(byTestId(page, 'auth'), SLOW);
    assert.equal(await byTestId(page, 'auth-message').isVisible(), false);
    assertNoConsoleErrors(page);
    await context.close();
  });

  it('keeps a status or progress change that ran into the expiry and saves it after logging in again', async () => {
    const { page, context, user } = await signedInPage(browser(), 'changer');
    await createTodosViaApi(page, ['Ship it', 'Measure it']);
    await afterListRefresh(page, () => page.reload());
    await expectTotal(page, 2);

    await context.clearCookies();
    await byTestId(itemNamed(page, 'Ship it'), 'todo-status').selectOption('2');
    await expectText(byTestId(page, 'auth-message'), 'unsaved input will be restored');
    await logIn(page, user);
    await expectText(byTestId(page, 'notice-text'), 'Your status change of “Ship it” to Done was saved now.');
    await expectText(byTestId(itemNamed(page, 'Ship it'), 'todo-meta'), 'Done');
    let { body } = await apiList(page);
    assert.equal(body.data.find((rule) => rule.name === 'Ship it').status, 2);

    // a progress change, with a reload in between
    await context.clearCookies();
    const progress = byTestId(itemNamed(page, 'Measure it'), 'todo-progress');
    await progress.fill('60');
    await progress.press('Enter');
    await expectText(byTestId(page, 'auth-message'), EXPIRED);
    await page.reload();
    await expectText(byTestId(page, 'auth-message'), 'unsaved input will be restored', SLOW);
    await logIn(page, user);
    await expectText(byTestId(page, 'notice-text'), 'Your progress change of “Measure it” to 60% was saved now.');
    await expectText(byTestId(itemNamed(page, 'Measure it'), 'todo-meta'), '60%');
    ({ body } = await apiList(page));
    assert.equal(body.data.find((rule) => rule.name === 'Measure it').progress, 60);
    assertNoConsoleErrors(page);
    await context.close();
  });

  it('does not re-apply a kept change over someone else’s newer change', async () => {
    const { page, context, user } = await signedInPage(browser(), 'careful');
    const [todo] = await createTodosViaApi(page, ['Contested']);
    await afterListRefresh(page, () => page.reload());
    await expectTotal(page, 1);

    await context.clearCookies();
    await byTestId(itemNamed(page, 'Contested'), 'todo-status').selectOption('3');
    await expectText(byTestId(page, 'auth-message'), EXPIRED);
    // meanwhile, elsewhere (a token of its own)
    const other = await browser().newContext({ baseURL: BASE_URL });
    const login = await other.request.post('/api/login/account', { data: { userName: user, password: PASSWORD, type: 'account' } });
    assert.equal(login.status(), 200);
    const put = await other.request.put('/api/rule', { data: { key: todo.key, status: 1 } });
    assert.equal(put.status(), 200, await put.text());
    await other.close();

    await logIn(page, user);
    await expectText(byTestId(page, 'notice-text'), 'was not saved: someone else changed that todo in the meantime');
    const { body } = await apiList(page);
    assert.equal(body.data[0].status, 1, 'the other change stays');
    await expectText(byTestId(itemNamed(page, 'Contested'), 'todo-meta'), 'In progress');
    assertNoConsoleErrors(page);
    await context.close();
  });

  it('brings a restored edit into view when the restored filter would hide it, and says so', async () => {
    const { page, context, user } = await signedInPage(browser(), 'hidden');
    await createTodosViaApi(page, ['Edit me later', 'Something else']);
    await afterListRefresh(page, () => page.reload());
    await expectTotal(page, 2);

    await byTestId(itemNamed(page, 'Edit me later'), 'todo-edit').click();
    await byTestId(page, 'todo-edit-name').fill('Edit me later, half done');
    // a filter hides the todo being edited
    await afterListRefresh(page, () => byTestId(page, 'filter-name').fill('something'));
    await expectTotal(page, 1);
    await expectHidden(byTestId(page, 'todo-editor'));

    await context.clearCookies();
    await byTestId(page, 'filter-apply').click();
    await expectText(byTestId(page, 'auth-message'), EXPIRED);
    await logIn(page, user);

    const editor = byTestId(page, 'todo-editor');
    await expectVisible(editor);
    assert.equal(await byTestId(editor, 'todo-edit-name').inputValue(), 'Edit me later, half done');
    await expectText(byTestId(page, 'notice-text'), 'Your unsaved input was restored. The filters were cleared so that your unsaved edit is in view.');
    assert.equal(await byTestId(page, 'filter-name').inputValue(), '');
    await expectTotal(page, 2);
    await screenshot(page, '15-restored-edit-in-view');
    assertNoConsoleErrors(page);
    await context.close();
  });
});
