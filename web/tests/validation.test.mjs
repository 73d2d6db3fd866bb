/**
 * validation.test.mjs — input checks that match the server: name and
 * description limits counted in Unicode code points (an emoji is one, though
 * two UTF-16 units), with a visible counter and a labelled message instead of
 * a silent maxlength; and a row's progress field that rejects 101 with a
 * message, sends nothing, and lets Tab move on.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  suiteBrowser,
  assertNoConsoleErrors,
  screenshot,
  expectText,
  expectVisible,
  expectHidden,
  expectTotal,
  byTestId,
  itemNamed,
  afterListRefresh,
  createTodosViaApi,
  apiList,
  BASE_URL,
  signedInPage,
} from './helpers.mjs';

const EMOJI = '😀'; // 1 code point, 2 UTF-16 units

/** Collects the PUT and POST requests to /api/rule the page sends. */
function recordWrites(page) {
  const writes = [];
  page.on('request', (req) => {
    if (['PUT', 'POST'].includes(req.method()) && new URL(req.url()).pathname.startsWith('/api/rule')) {
      writes.push({ method: req.method(), body: req.postDataJSON() });
    }
  });
  return writes;
}

describe('input validation matches the server', { timeout: 180_000 }, () => {
  const browser = suiteBrowser();

  it('counts name and description in code points, like the server, with a counter and a labelled message', async () => {
    const { page, context, user } = await signedInPage(browser(), 'emoji');
    await expectTotal(page, 0);
    const writes = recordWrites(page);

    // no maxlength: the add form takes 200 emoji (400 UTF-16 units) as the name
    const form = byTestId(page, 'new-todo-form');
    const name = byTestId(form, 'new-todo-name');
    assert.equal(await name.getAttribute('maxlength'), null);
    assert.equal(await byTestId(form, 'new-todo-desc').getAttribute('maxlength'), null);
    await expectText(byTestId(form, 'new-todo-name-count'), '0 / 200 characters');
    await name.fill(EMOJI.repeat(200));
    await expectText(byTestId(form, 'new-todo-name-count'), '200 / 200 characters');
    await afterListRefresh(page, () => byTestId(form, 'new-todo-submit').click());
    await expectTotal(page, 1);
    let { body } = await apiList(page);
    assert.equal([...body.data[0].name].length, 200);

    // 201 code points: not sent, a labelled message, the counter says by how much
    await name.fill(EMOJI.repeat(201));
    await expectText(byTestId(form, 'new-todo-name-count'), 'Name: 201 / 200 characters — 1 too many');
    await byTestId(form, 'new-todo-submit').click();
    await expectText(byTestId(form, 'new-todo-error'), 'Name is 201 characters long; the limit is 200.');
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'new-todo-name');
    assert.equal(writes.filter((w) => w.method === 'POST').length, 1, 'the too-long name was not sent');
    await screenshot(page, '23-name-too-long');
    await name.fill('Short again');
    await expectHidden(byTestId(form, 'new-todo-error'));
    assert.equal(await name.getAttribute('aria-invalid'), null);
    await name.fill('');

    // a description of 2000 emoji (the server accepts it) can be edited and saved
    const [created] = await createTodosViaApi(page, ['Emoji description']);
    const put = await page.request.put(`${BASE_URL}/api/rule`, { data: { key: created.key, desc: EMOJI.repeat(2000) } });
    assert.equal(put.status(), 200, await put.text());
    await afterListRefresh(page, () => byTestId(page, 'filter-apply').click());
    const item = itemNamed(page, 'Emoji description');
    await byTestId(item, 'todo-edit').click();
    const editor = byTestId(item, 'todo-editor');
    await expectText(byTestId(editor, 'todo-edit-desc-count'), '2000 / 2000 characters');
    await byTestId(editor, 'todo-edit-name').fill('Emoji description, edited');
    await afterListRefresh(page, () => byTestId(editor, 'todo-edit-save').click());
    await expectHidden(editor);
    ({ body } = await apiList(page));
    const saved = body.data.find((rule) => rule.key === created.key);
    assert.equal(saved.name, 'Emoji description, edited');
    assert.equal([...saved.desc].length, 2000);

    // one more is refused before it is sent, with the limit named
    const edited = itemNamed(page, 'Emoji description, edited');
    await byTestId(edited, 'todo-edit').click();
    const editor2 = byTestId(edited, 'todo-editor');
    const putsBefore = writes.filter((w) => w.method === 'PUT').length;
    await byTestId(editor2, 'todo-edit-desc').press('End');
    await byTestId(editor2, 'todo-edit-desc').pressSequentially(EMOJI);
    await expectText(byTestId(editor2, 'todo-edit-desc-count'), '2001 / 2000');
    await byTestId(editor2, 'todo-edit-save').click();
    await expectText(byTestId(editor2, 'todo-edit-error'), 'Description is 2001 characters long; the limit is 2000.');
    assert.equal(writes.filter((w) => w.method === 'PUT').length, putsBefore, 'nothing was sent');
    await byTestId(editor2, 'todo-edit-cancel').click();
    await expectHidden(editor2);
    assertNoConsoleErrors(page);
    await context.close();
  });

  it('rejects progress 101 with a message, sends nothing, and lets Tab move on', async () => {
    const { page, context, user } = await signedInPage(browser(), 'progress');
    await createTodosViaApi(page, ['Half way']);
    await afterListRefresh(page, () => page.reload());
    await expectTotal(page, 1);
    const writes = recordWrites(page);
    const item = itemNamed(page, 'Half way');
    const progress = byTestId(item, 'todo-progress');
    const error = byTestId(item, 'todo-progress-error');

    await progress.fill('101');
    await progress.press('Tab');
    await expectVisible(error);
    await expectText(error, 'Progress must be a whole number from 0 to 100. “101” was not saved; it is still 0%.');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'todo-edit', 'focus moved on');
    assert.equal(await progress.getAttribute('aria-invalid'), 'true');
    assert.equal(await progress.inputValue(), '101', 'the typed value stays, to be corrected');
    const describedBy = await progress.getAttribute('aria-describedby');
    assert.equal(describedBy, await error.getAttribute('id'));
    await screenshot(page, '24-progress-invalid');

    // a refresh does not overwrite it, and nothing was sent
    await afterListRefresh(page, () => byTestId(page, 'filter-apply').click());
    assert.equal(await progress.inputValue(), '101');
    assert.equal(writes.length, 0, 'an invalid progress is never sent');

    // Escape puts the saved value back
    await progress.focus();
    await progress.press('Escape');
    await expectHidden(error);
    assert.equal(await progress.inputValue(), '0');

    // a valid value is saved, and the message goes
    await progress.fill('101');
    await progress.press('Tab');
    await expectVisible(error);
    await progress.fill('55');
    await expectHidden(error);
    await afterListRefresh(page, () => progress.press('Tab'));
    await expectText(byTestId(item, 'todo-meta'), '55%');
    assert.deepEqual(writes.map((w) => w.body.progress), [55]);
    assert.equal(await progress.getAttribute('aria-invalid'), null);
    assertNoConsoleErrors(page);
    await context.close();
  });
});
