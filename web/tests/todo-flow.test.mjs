/**
 * todo-flow.test.mjs — the main journey of one user, step by step in one
 * browser page: register, log out and in, add three todos, reload, edit
 * inline, change status and progress, filter, page through 12 todos with page
 * size 10, delete two with confirmation, log out.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  PASSWORD,
  SLOW,
  launchBrowser,
  newPage,
  assertNoConsoleErrors,
  screenshot,
  uniqueUser,
  until,
  expectText,
  expectCount,
  expectVisible,
  expectHidden,
  expectTotal,
  byTestId,
  listNames,
  itemNamed,
  afterListRefresh,
  openApp,
  register,
  logIn,
  logOut,
  addTodo,
  createTodosViaApi,
  apiList,
  storySteps,
  dismissNotice,
} from './helpers.mjs';

describe('a user manages their todos', { timeout: 240_000 }, () => {
  const step = storySteps(it);
  let browser;
  let page;
  const user = uniqueUser('alice');

  before(async () => {
    browser = await launchBrowser();
    ({ page } = await newPage(browser));
  });

  after(async () => {
    await browser?.close();
  });

  step('shows the login form to a visitor without a session', async () => {
    await openApp(page);
    await expectVisible(byTestId(page, 'auth'));
    await expectText(byTestId(page, 'auth-title'), 'Log in');
    assert.equal(await byTestId(page, 'app').isVisible(), false);
    await screenshot(page, '01-login');
  });

  step('registers a new account and lands on the empty list', async () => {
    await byTestId(page, 'auth-mode-toggle').click();
    await expectText(byTestId(page, 'auth-title'), 'Create an account');
    await byTestId(page, 'auth-username').fill(user);
    await byTestId(page, 'auth-password').fill(PASSWORD);
    await screenshot(page, '02-register');
    await register(page, user);
    await expectTotal(page, 0);
    await expectVisible(byTestId(page, 'list-empty'));
    await expectText(byTestId(page, 'list-empty'), 'No todos yet — add your first one');
    await expectText(byTestId(page, 'todo-total'), '0 todos');
    await screenshot(page, '03-empty-list');
  });

  step('logs out and logs in again', async () => {
    await logOut(page);
    await expectText(byTestId(page, 'auth-message'), 'You have logged out.');
    await logIn(page, user);
    await expectTotal(page, 0);
  });

  step('adds three todos, newest first', async () => {
    await addTodo(page, { name: 'Buy milk', desc: '2 litres' });
    await addTodo(page, { name: 'Write report', desc: 'Quarterly numbers', status: 1, progress: 40 });
    await addTodo(page, { name: 'Call plumber' });
    await expectTotal(page, 3);
    await expectText(byTestId(page, 'todo-total'), '3 todos');
    assert.deepEqual(await listNames(page), ['Call plumber', 'Write report', 'Buy milk']);
    const report = itemNamed(page, 'Write report');
    assert.equal(await byTestId(report, 'todo-status').inputValue(), '1');
    assert.equal(await byTestId(report, 'todo-progress').inputValue(), '40');
    await expectText(byTestId(itemNamed(page, 'Buy milk'), 'todo-desc'), '2 litres');
    assert.equal(await byTestId(page, 'list-empty').isVisible(), false);
    await dismissNotice(page);
    await screenshot(page, '04-three-todos');
  });

  step('still shows them after a reload', async () => {
    await page.reload();
    await expectVisible(byTestId(page, 'app'), SLOW);
    await expectTotal(page, 3);
    assert.deepEqual(await listNames(page), ['Call plumber', 'Write report', 'Buy milk']);
  });

  step('edits name and description inline', async () => {
    const item = itemNamed(page, 'Buy milk');
    await byTestId(item, 'todo-edit').click();
    const editor = byTestId(page, 'todo-editor');
    await expectVisible(editor);
    // the editor's name field gets the focus
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'todo-edit-name');
    await byTestId(editor, 'todo-edit-name').fill('Buy oat milk');
    await byTestId(editor, 'todo-edit-desc').fill('2 litres, unsweetened');
    await screenshot(page, '05-inline-edit');
    await afterListRefresh(page, () => byTestId(editor, 'todo-edit-save').click());
    await expectHidden(editor);
    const edited = itemNamed(page, 'Buy oat milk');
    await expectVisible(edited);
    await expectText(byTestId(edited, 'todo-desc'), '2 litres, unsweetened');
    const { body } = await apiList(page);
    const stored = body.data.find((rule) => rule.name === 'Buy oat milk');
    assert.ok(stored, 'the server has the new name');
    assert.equal(stored.desc, '2 litres, unsweetened');
  });

  step('cancels an inline edit with Escape without saving', async () => {
    const item = itemNamed(page, 'Call plumber');
    await byTestId(item, 'todo-edit').click();
    await byTestId(page, 'todo-edit-name').fill('Should not be saved');
    await page.keyboard.press('Escape');
    await expectHidden(byTestId(page, 'todo-editor'));
    await expectVisible(itemNamed(page, 'Call plumber'));
    // focus goes back to the row's Edit button
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'todo-edit');
  });

  step('changes status and progress', async () => {
    const plumber = itemNamed(page, 'Call plumber');
    await afterListRefresh(page, () => byTestId(plumber, 'todo-status').selectOption('2'));
    await expectText(byTestId(plumber, 'todo-meta'), 'Done');
    await expectText(byTestId(page, 'notice-text'), 'is now Done');

    const report = itemNamed(page, 'Write report');
    const progress = byTestId(report, 'todo-progress');
    await progress.fill('75');
    await afterListRefresh(page, () => progress.press('Enter'));
    await expectText(byTestId(report, 'todo-meta'), '75%');

    const { body } = await apiList(page);
    const byName = Object.fromEntries(body.data.map((rule) => [rule.name, rule]));
    assert.equal(byName['Call plumber'].status, 2);
    assert.equal(byName['Write report'].progress, 75);
    assert.equal(byName['Write report'].status, 1);
  });

  step('filters by name and by status', async () => {
    const filterName = byTestId(page, 'filter-name');
    await afterListRefresh(page, () => filterName.fill('MILK'));
    await expectTotal(page, 1);
    assert.deepEqual(await listNames(page), ['Buy oat milk']);
    await expectText(byTestId(page, 'todo-total'), '1 todo matches the filters');

    await afterListRefresh(page, () => byTestId(page, 'filter-clear').click());
    await expectTotal(page, 3);

    await afterListRefresh(page, () => byTestId(page, 'filter-status-2').check());
    await expectTotal(page, 1);
    assert.deepEqual(await listNames(page), ['Call plumber']);
    await afterListRefresh(page, () => byTestId(page, 'filter-status-1').check());
    await expectTotal(page, 2);
    assert.deepEqual(await listNames(page), ['Call plumber', 'Write report']);
    await expectText(byTestId(page, 'todo-total'), '2 todos match the filters');
    await screenshot(page, '06-filtered');

    await afterListRefresh(page, () => filterName.fill('nothing like this'));
    await expectTotal(page, 0);
    await expectText(byTestId(page, 'list-empty'), 'No todos match these filters.');

    await afterListRefresh(page, () => byTestId(page, 'filter-clear').click());
    await expectTotal(page, 3);
    assert.equal(await byTestId(page, 'filter-status-2').isChecked(), false);
  });

  step('pages through 12 todos with page size 10', async () => {
    const extra = Array.from({ length: 9 }, (_, i) => `Bulk item ${String(i + 1).padStart(2, '0')}`);
    await createTodosViaApi(page, extra);
    await afterListRefresh(page, () => byTestId(page, 'page-size').selectOption('20'));
    await expectTotal(page, 12);
    await expectCount(page.locator('[data-testid="todo-item"]'), 12);
    await expectText(byTestId(page, 'page-info'), 'Page 1 of 1');

    await afterListRefresh(page, () => byTestId(page, 'page-size').selectOption('10'));
    await expectTotal(page, 12);
    await expectCount(page.locator('[data-testid="todo-item"]'), 10);
    await expectText(byTestId(page, 'page-info'), 'Page 1 of 2');
    assert.equal(await byTestId(page, 'page-prev').getAttribute('aria-disabled'), 'true');
    const firstPage = await listNames(page);
    assert.equal(firstPage[0], 'Bulk item 09', 'newest first');

    await afterListRefresh(page, () => byTestId(page, 'page-next').click());
    await expectText(byTestId(page, 'page-info'), 'Page 2 of 2');
    await expectCount(page.locator('[data-testid="todo-item"]'), 2);
    assert.deepEqual(await listNames(page), ['Write report', 'Buy oat milk']);
    assert.equal(await byTestId(page, 'page-next').getAttribute('aria-disabled'), 'true');
    await expectText(byTestId(page, 'todo-total'), '12 todos');
    await screenshot(page, '07-page-2');

    await afterListRefresh(page, () => byTestId(page, 'page-prev').click());
    await expectText(byTestId(page, 'page-info'), 'Page 1 of 2');
    assert.deepEqual(await listNames(page), firstPage);
  });

  step('asks before deleting and deletes nothing on Cancel', async () => {
    const item = itemNamed(page, 'Bulk item 05');
    await byTestId(item, 'todo-delete').click();
    const dialog = byTestId(page, 'confirm-dialog');
    await expectVisible(dialog);
    await expectText(byTestId(dialog, 'confirm-message'), 'Delete “Bulk item 05”?');
    await byTestId(dialog, 'confirm-cancel').click();
    await expectHidden(dialog);
    await expectTotal(page, 12);
    await expectVisible(itemNamed(page, 'Bulk item 05'));
  });

  step('deletes two selected todos after confirmation', async () => {
    await byTestId(itemNamed(page, 'Bulk item 05'), 'todo-select').check();
    await byTestId(itemNamed(page, 'Bulk item 07'), 'todo-select').check();
    await expectText(byTestId(page, 'selection-count'), '2 selected');
    await byTestId(page, 'delete-selected').click();
    const dialog = byTestId(page, 'confirm-dialog');
    await expectVisible(dialog);
    await expectText(byTestId(dialog, 'confirm-message'), 'Delete 2 selected todos?');
    await screenshot(page, '08-confirm-delete', { fullPage: false });
    await afterListRefresh(page, () => byTestId(dialog, 'confirm-ok').click());
    await expectHidden(dialog);
    await expectTotal(page, 10);
    await expectText(byTestId(page, 'todo-total'), '10 todos');
    await expectText(byTestId(page, 'page-info'), 'Page 1 of 1');
    await expectCount(itemNamed(page, 'Bulk item 05'), 0);
    await expectCount(itemNamed(page, 'Bulk item 07'), 0);
    await expectText(byTestId(page, 'selection-count'), '0 selected');
    await expectText(byTestId(page, 'notice-text'), 'Deleted 2 todos.');
    const { body } = await apiList(page);
    assert.equal(body.total, 10);
    await screenshot(page, '09-after-delete');
  });

  step('logs out: back to the login form, nothing of the user left on the page', async () => {
    await logOut(page);
    await expectText(byTestId(page, 'auth-message'), 'You have logged out.');
    await expectCount(page.locator('[data-testid="todo-item"]'), 0);
    assert.equal(await byTestId(page, 'userbox').isVisible(), false);
    const res = await page.request.get(`${BASE_URL}/api/currentUser`);
    assert.equal(res.status(), 401, 'the session cookie is gone');
    await screenshot(page, '10-logged-out');
    await until('the page to be quiet', async () => true);
    assertNoConsoleErrors(page);
  });
});
