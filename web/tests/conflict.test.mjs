/**
 * conflict.test.mjs — two tabs of the same user (two browser contexts, each
 * with its own session). When one changes a todo, the other's stale change
 * gets 409: the page reloads the todo, shows the other change, and tells the
 * user; an inline edit in progress keeps the user's text so it can be saved
 * again on purpose.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  PASSWORD,
  suiteBrowser,
  newPage,
  assertNoConsoleErrors,
  screenshot,
  expectText,
  expectVisible,
  expectHidden,
  expectTotal,
  byTestId,
  itemNamed,
  afterListRefresh,
  addTodo,
  apiList,
  signedInPage,
} from './helpers.mjs';

describe('concurrent changes of one todo', { timeout: 180_000 }, () => {
  const browser = suiteBrowser();

  it('a stale status change gets 409: the todo is reloaded and the user told', async () => {
    const { page, context, user } = await signedInPage(browser(), 'twotabs');
    await addTodo(page, { name: 'Shared todo', desc: 'v1' });

    // another tab of the same user changes it
    const { page: other, context: otherContext } = await newPage(browser());
    const login = await other.request.post(`${BASE_URL}/api/login/account`, { data: { userName: user, password: PASSWORD } });
    assert.equal(login.status(), 200);
    const { body } = await apiList(other);
    const rule = body.data[0];
    const put = await other.request.put(`${BASE_URL}/api/rule`, {
      data: { key: rule.key, status: 3, progress: 60, version: rule.version },
    });
    assert.equal(put.status(), 200);

    // this tab still shows the old version and tries to change the status
    const item = itemNamed(page, 'Shared todo');
    assert.equal(await byTestId(item, 'todo-status').inputValue(), '0');
    await afterListRefresh(page, () => byTestId(item, 'todo-status').selectOption('2'));
    await expectText(byTestId(page, 'notice-text'), 'Someone else changed “Shared todo”');
    await expectText(byTestId(page, 'notice-text'), 'your change was not saved');
    await expectText(byTestId(item, 'todo-meta'), 'Blocked');
    assert.equal(await byTestId(item, 'todo-status').inputValue(), '3');
    assert.equal(await byTestId(item, 'todo-progress').inputValue(), '60');
    await screenshot(page, '14-conflict');

    // now that the page knows the new version, the change goes through
    await afterListRefresh(page, () => byTestId(item, 'todo-status').selectOption('2'));
    await expectText(byTestId(item, 'todo-meta'), 'Done');
    const after = await apiList(other);
    assert.equal(after.body.data[0].status, 2);
    assert.equal(after.body.data[0].progress, 60, 'the other tab’s progress is kept');

    // quick successive changes of one's own never conflict with each other
    const progress = byTestId(item, 'todo-progress');
    await progress.fill('70');
    await progress.press('Enter');
    await progress.fill('80');
    await afterListRefresh(page, () => progress.press('Enter'));
    await expectTotal(page, 1);
    await expectText(byTestId(item, 'todo-meta'), '80%');
    assert.doesNotMatch((await byTestId(page, 'notice-text').textContent()) ?? '', /Someone else/);

    assertNoConsoleErrors(page);
    await otherContext.close();
    await context.close();
  });

  it('an inline edit that conflicts keeps the user’s text and can be saved again', async () => {
    const { page, context, user } = await signedInPage(browser(), 'editors');
    await addTodo(page, { name: 'Draft title', desc: 'first words' });

    await byTestId(itemNamed(page, 'Draft title'), 'todo-edit').click();
    await byTestId(page, 'todo-edit-name').fill('My better title');

    // meanwhile, elsewhere
    const { page: other, context: otherContext } = await newPage(browser());
    await other.request.post(`${BASE_URL}/api/login/account`, { data: { userName: user, password: PASSWORD } });
    const { body } = await apiList(other);
    const put = await other.request.put(`${BASE_URL}/api/rule`, {
      data: { key: body.data[0].key, name: 'Their title', version: body.data[0].version },
    });
    assert.equal(put.status(), 200);

    const editor = byTestId(page, 'todo-editor');
    await afterListRefresh(page, () => byTestId(editor, 'todo-edit-save').click());
    await expectVisible(byTestId(editor, 'todo-edit-conflict'));
    await expectText(byTestId(editor, 'todo-edit-conflict'), '“Their title”');
    assert.equal(await byTestId(editor, 'todo-edit-name').inputValue(), 'My better title');
    await screenshot(page, '15-edit-conflict');

    await afterListRefresh(page, () => byTestId(editor, 'todo-edit-save').click());
    await expectHidden(editor);
    await expectVisible(itemNamed(page, 'My better title'));
    const { body: after } = await apiList(other);
    assert.equal(after.data[0].name, 'My better title');
    assertNoConsoleErrors(page);
    await otherContext.close();
    await context.close();
  });
});
