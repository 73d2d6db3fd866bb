/**
 * idempotent-writes.test.mjs — writes whose answer is lost are repeated with
 * the same Idempotency-Key, and the server carries them out once.
 *
 * loseWriteAnswers() lets each write reach the real server and then tells
 * the page it failed (a synthetic 503/502/504, or no answer at all), which is
 * what a crashed instance, a timeout or a dropped connection look like to the
 * browser after the write landed. The page must retry with the same key, show
 * the todo once, and the server must hold it once (checked through the API).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  suiteBrowser,
  assertNoConsoleErrors,
  screenshot,
  until,
  expectText,
  expectVisible,
  expectTotal,
  expectCount,
  byTestId,
  itemNamed,
  afterListRefresh,
  createTodosViaApi,
  apiList,
  apiTodosNamed,
  loseWriteAnswers,
  signedInPage,
  logIn,
  dismissNotice,
} from './helpers.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Every attempt carried one and the same UUID key; the first landed, the others were replays. */
function assertOneWrite(attempts, n, firstStatus) {
  assert.equal(attempts.length, n, `${n} attempts`);
  assert.match(attempts[0].key ?? '', UUID, 'an Idempotency-Key (a UUID) is sent');
  assert.ok(attempts.every((a) => a.key === attempts[0].key), 'every attempt carries the same key');
  assert.ok(attempts.every((a) => JSON.stringify(a.body) === JSON.stringify(attempts[0].body)), 'and the same body');
  assert.equal(attempts[0].status, firstStatus, 'the first attempt did the write');
  assert.equal(attempts[0].replayed, false);
  for (const later of attempts.slice(1)) {
    assert.equal(later.status, firstStatus, 'a repeat gets the first outcome');
    assert.equal(later.replayed, true, 'Idempotent-Replayed: true');
  }
}

async function addThroughForm(page, name) {
  await byTestId(page, 'new-todo-name').fill(name);
  await byTestId(page, 'new-todo-submit').click();
}

describe('writes whose answer is lost', { timeout: 180_000 }, () => {
  const browser = suiteBrowser();

  it('repeats an add after a 503 with the same key (after Retry-After) and shows one todo', async () => {
    const { page, context } = await signedInPage(browser(), 'lost503');
    await expectTotal(page, 0);
    const lost = await loseWriteAnswers(page, { method: 'POST', times: 1, failWith: 503, retryAfter: '1' });

    await addThroughForm(page, 'Stored but not confirmed');
    // while it waits for the repeat, the user is told
    await expectText(byTestId(page, 'notice-text'), 'trying again (attempt 2 of 4)');
    await screenshot(page, '40-add-retrying', { fullPage: false });
    await expectText(byTestId(page, 'notice-text'), 'Added “Stored but not confirmed”.');
    await expectTotal(page, 1);
    await expectCount(itemNamed(page, 'Stored but not confirmed'), 1);
    assert.equal(await byTestId(page, 'new-todo-name').inputValue(), '', 'the form is cleared');

    assertOneWrite(lost.attempts, 2, 201);
    assert.ok(lost.attempts[1].at - lost.attempts[0].at >= 900, 'the repeat waited for Retry-After: 1');
    assert.equal((await apiTodosNamed(page, 'Stored but not confirmed')).length, 1, 'the server holds it once');
    await lost.stop();
    assertNoConsoleErrors(page);
    await context.close();
  });

  it('repeats an add after lost connections and a 502, and a second click while it is out adds nothing', async () => {
    const { page, context } = await signedInPage(browser(), 'lostnet');
    await expectTotal(page, 0);

    // no answer at all, twice: the third attempt gets the real answer (a replay)
    const lost = await loseWriteAnswers(page, { method: 'POST', times: 2, failWith: 'abort' });
    await addThroughForm(page, 'Connection dropped');
    await expectText(byTestId(page, 'notice-text'), 'Added “Connection dropped”.');
    await expectTotal(page, 1);
    assertOneWrite(lost.attempts, 3, 201);
    await lost.stop();

    // a 502 (instance crashed after writing); meanwhile "Add" is clicked again and Enter pressed
    const crashed = await loseWriteAnswers(page, { method: 'POST', times: 1, failWith: 502, retryAfter: '1' });
    await addThroughForm(page, 'Clicked twice');
    await expectText(byTestId(page, 'notice-text'), 'trying again (attempt 2 of 4)');
    assert.equal(await byTestId(page, 'new-todo-form').getAttribute('aria-busy'), 'true');
    await byTestId(page, 'new-todo-submit').click();
    await byTestId(page, 'new-todo-name').press('Enter');
    await expectText(byTestId(page, 'notice-text'), 'Added “Clicked twice”.');
    await expectTotal(page, 2);
    assertOneWrite(crashed.attempts, 2, 201);
    await crashed.stop();

    await expectCount(itemNamed(page, 'Connection dropped'), 1);
    await expectCount(itemNamed(page, 'Clicked twice'), 1);
    const { body } = await apiList(page);
    assert.deepEqual(body.data.map((rule) => rule.name).sort(), ['Clicked twice', 'Connection dropped'], 'no duplicate on the server');
    // the browser's own lines for the two dropped connections, and nothing else
    const dropped = page.consoleErrors.filter((text) => /net::ERR_CONNECTION_RESET/.test(text));
    assert.equal(dropped.length, 2);
    page.consoleErrors = page.consoleErrors.filter((text) => !dropped.includes(text));
    assertNoConsoleErrors(page);
    await context.close();
  });

  it('says so when every attempt fails, keeps the text, and adding again does not duplicate', async () => {
    const { page, context } = await signedInPage(browser(), 'lostall');
    await expectTotal(page, 0);
    const lost = await loseWriteAnswers(page, { method: 'POST', times: 4, failWith: 504, retryAfter: '0' });

    await afterListRefresh(page, () => addThroughForm(page, 'Never confirmed'));
    await expectText(
      byTestId(page, 'notice-text'),
      'Error: The server did not confirm adding “Never confirmed” (HTTP 504: the server took too long; 4 attempts); it may have been saved.',
    );
    await expectText(byTestId(page, 'notice-text'), 'press “Add todo” again to make sure; it will not be added twice.');
    assert.equal(await byTestId(page, 'new-todo-name').inputValue(), 'Never confirmed', 'the text is kept');
    assertOneWrite(lost.attempts, 4, 201);
    // it did land: the list (fetched after the failure) shows it
    await expectTotal(page, 1);
    await screenshot(page, '41-add-unconfirmed');
    await lost.stop();

    // the user presses Add again: the same write, the same key, the first outcome
    const again = await loseWriteAnswers(page, { method: 'POST', times: 0 });
    await afterListRefresh(page, () => byTestId(page, 'new-todo-submit').click());
    await expectText(byTestId(page, 'notice-text'), 'Added “Never confirmed”.');
    assert.equal(again.attempts.length, 1);
    assert.equal(again.attempts[0].key, lost.attempts[0].key, 'the failed add’s key is used again');
    assert.equal(again.attempts[0].replayed, true);
    await expectTotal(page, 1);
    await expectCount(itemNamed(page, 'Never confirmed'), 1);
    assert.equal((await apiTodosNamed(page, 'Never confirmed')).length, 1);

    // the same text added once more after that success is a new todo, on purpose
    await afterListRefresh(page, () => addThroughForm(page, 'Never confirmed'));
    await expectTotal(page, 2);
    assert.equal(again.attempts.length, 2);
    assert.notEqual(again.attempts[1].key, again.attempts[0].key, 'a new add gets a new key');
    await again.stop();
    assertNoConsoleErrors(page);
    await context.close();
  });

  it('keeps the key of an add cut short by an expired session: adding it after login again stores it once', async () => {
    const { page, context, user } = await signedInPage(browser(), 'lostexp');
    await expectTotal(page, 0);
    const lost = await loseWriteAnswers(page, { method: 'POST', times: 1, failWith: 503, retryAfter: '1' });
    await addThroughForm(page, 'Survives the expiry');
    // the first attempt landed; while the page waits to repeat it, the session ends
    await expectText(byTestId(page, 'notice-text'), 'trying again (attempt 2 of 4)');
    await context.clearCookies();
    await expectVisible(byTestId(page, 'auth'));
    await expectText(byTestId(page, 'auth-message'), 'Your unsaved input will be restored.');
    assert.equal(lost.attempts[1]?.status, 401, 'the repeat met the expired session');

    await logIn(page, user);
    assert.equal(await byTestId(page, 'new-todo-name').inputValue(), 'Survives the expiry', 'the form is restored');
    await expectTotal(page, 1); // it did land
    await afterListRefresh(page, () => byTestId(page, 'new-todo-submit').click());
    await expectText(byTestId(page, 'notice-text'), 'Added “Survives the expiry”.');
    assert.equal(lost.attempts.length, 3);
    assert.equal(lost.attempts[2].key, lost.attempts[0].key, 'the same key after the new login');
    assert.equal(lost.attempts[2].replayed, true);
    await expectTotal(page, 1);
    assert.equal((await apiTodosNamed(page, 'Survives the expiry')).length, 1, 'stored once');
    await lost.stop();
    assertNoConsoleErrors(page);
    await context.close();
  });

  it('repeats a status change and a delete with their keys: no false conflict, the first count', async () => {
    const { page, context } = await signedInPage(browser(), 'lostupd');
    await createTodosViaApi(page, ['Keep going', 'Also this']);
    await afterListRefresh(page, () => page.reload());
    await expectTotal(page, 2);
    const [before] = await apiTodosNamed(page, 'Keep going');

    // the status change lands, its answer is lost: the repeat is not a 409 (the version moved)
    const put = await loseWriteAnswers(page, { method: 'PUT', times: 1, failWith: 503, retryAfter: '0' });
    await afterListRefresh(page, () => byTestId(itemNamed(page, 'Keep going'), 'todo-status').selectOption('2'));
    await expectText(byTestId(page, 'notice-text'), '“Keep going” is now Done.');
    assertOneWrite(put.attempts, 2, 200);
    await put.stop();
    const [after] = await apiTodosNamed(page, 'Keep going');
    assert.equal(after.status, 2);
    assert.equal(after.version, before.version + 1, 'written once');
    assert.equal(await byTestId(itemNamed(page, 'Keep going'), 'todo-status').inputValue(), '2');
    await dismissNotice(page);

    // the delete lands, its answer is lost: the repeat reports the todos it deleted, not 0
    const del = await loseWriteAnswers(page, { method: 'DELETE', times: 1, failWith: 503, retryAfter: '0' });
    await byTestId(page, 'select-all').check();
    await byTestId(page, 'delete-selected').click();
    await expectVisible(byTestId(page, 'confirm-dialog'));
    await afterListRefresh(page, () => byTestId(page, 'confirm-ok').click());
    await expectText(byTestId(page, 'notice-text'), 'Deleted 2 todos.');
    assertOneWrite(del.attempts, 2, 200);
    await del.stop();
    await expectTotal(page, 0);
    await until('nothing left on the server', async () => (await apiList(page)).body.total === 0);
    assertNoConsoleErrors(page);
    await context.close();
  });
});
