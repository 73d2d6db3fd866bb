/**
 * isolation.test.mjs — a second user sees none of the first user's todos:
 * neither on the page (after logging in on the same tab the first user just
 * left) nor through the API (list, and the first user's todo by key).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  suiteBrowser,
  newPage,
  assertNoConsoleErrors,
  screenshot,
  uniqueUser,
  expectText,
  expectCount,
  expectVisible,
  expectTotal,
  byTestId,
  openApp,
  register,
  logOut,
  addTodo,
  apiList,
} from './helpers.mjs';

describe('two users', { timeout: 180_000 }, () => {
  const browser = suiteBrowser();

  it('a second user sees none of the first user’s todos', async () => {
    const first = uniqueUser('owner');
    const second = uniqueUser('other');
    const { page, context } = await newPage(browser());
    await openApp(page);
    await register(page, first);
    await addTodo(page, { name: 'Private plan of the first user', desc: 'secret' });
    await addTodo(page, { name: 'Another private todo' });
    await expectTotal(page, 2);
    const { body: firstList } = await apiList(page);
    const secretKey = firstList.data[0].key;

    // same tab: the first user logs out, the second registers
    await logOut(page);
    await register(page, second);
    await expectTotal(page, 0);
    await expectCount(page.locator('[data-testid="todo-item"]'), 0);
    await expectVisible(byTestId(page, 'list-empty'));
    await expectText(byTestId(page, 'current-user'), second);
    await screenshot(page, '11-second-user');

    // the API agrees, and the first user's todo cannot be read, changed or deleted by key
    const { status, body } = await apiList(page);
    assert.equal(status, 200);
    assert.equal(body.total, 0);
    assert.deepEqual(body.data, []);
    const byKey = await page.request.get(`${BASE_URL}/api/rule/${encodeURIComponent(secretKey)}`);
    assert.equal(byKey.status(), 404);
    const put = await page.request.put(`${BASE_URL}/api/rule`, { data: { key: secretKey, name: 'hijacked' } });
    assert.equal(put.status(), 404);
    const del = await page.request.delete(`${BASE_URL}/api/rule`, { data: { key: [secretKey] } });
    assert.ok(del.status() === 200 || del.status() === 404, `DELETE answered ${del.status()}`);
    if (del.status() === 200) assert.equal((await del.json()).deleted, 0);

    // a filter for the first user's words finds nothing either
    const filtered = await page.request.get(`${BASE_URL}/api/rule?name=private`);
    assert.equal((await filtered.json()).total, 0);

    assertNoConsoleErrors(page);
    await context.close();

    // the first user's todos are untouched
    const { page: again, context: againContext } = await newPage(browser());
    await openApp(again);
    const login = await again.request.post(`${BASE_URL}/api/login/account`, {
      data: { userName: first, password: 'correct horse battery' },
    });
    assert.equal(login.status(), 200);
    const { body: stillThere } = await apiList(again);
    assert.equal(stillThere.total, 2);
    assert.ok(stillThere.data.some((rule) => rule.name === 'Private plan of the first user'));
    await againContext.close();
  });
});
