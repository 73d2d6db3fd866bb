/**
 * antd-client.test.mjs — the back end serves Ant Design Pro v4's own client.
 *
 * fixtures/antd-table.html + antd-table.js drive /api/rule the way Ant Design
 * Pro's rule table does: every write is POST /api/rule with a `method` field
 * (post, update with strings for numbers, delete of one or many keys), the
 * list is GET /api/rule?current=&pageSize=, no Idempotency-Key, no version.
 * The fixture is served from the platform's origin (page.route), so the
 * session cookie of the app's login goes with its requests, and under the
 * platform's own Content-Security-Policy. The test works its buttons —
 * create, mark done, delete one, batch delete — then checks through the API
 * (and in the app itself) that each change is stored once.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  BASE_URL,
  suiteBrowser,
  assertNoConsoleErrors,
  screenshot,
  until,
  expectText,
  expectVisible,
  expectTotal,
  byTestId,
  itemNamed,
  apiList,
  signedInPage,
} from './helpers.mjs';

const FIXTURES = new URL('./fixtures/', import.meta.url);

/** Serve the fixture at BASE_URL/antd-table.{html,js} with the headers the platform gives its own pages. */
async function serveFixture(page) {
  const shell = await page.request.get(`${BASE_URL}/`);
  const csp = shell.headers()['content-security-policy'];
  assert.ok(csp, 'the platform sends a Content-Security-Policy');
  for (const [file, type] of [
    ['antd-table.html', 'text/html; charset=utf-8'],
    ['antd-table.js', 'text/javascript; charset=utf-8'],
  ]) {
    const body = await readFile(new URL(file, FIXTURES));
    await page.route(`${BASE_URL}/${file}`, (route) =>
      route.fulfill({ status: 200, headers: { 'Content-Type': type, 'Content-Security-Policy': csp }, body }),
    );
  }
}

const row = (page, name) =>
  page.locator('[data-testid="rule-row"]').filter({ has: page.locator('[data-testid="row-name"]', { hasText: new RegExp(`^${name}$`) }) });

/** Wait until the fixture's table is settled and shows exactly `names` (newest first). */
async function expectRows(page, names) {
  await until(`rows ${names.join(', ')}`, async () => {
    if ((await byTestId(page, 'rule-table').getAttribute('aria-busy')) !== 'false') return false;
    const shown = await page.locator('[data-testid="row-name"]').allTextContents();
    return JSON.stringify(shown) === JSON.stringify(names);
  });
}

/** Run a fixture action and wait for its success message and the table's reload. */
async function act(page, action, done, names) {
  await action();
  await expectText(byTestId(page, 'message'), done);
  await expectRows(page, names);
}

describe('Ant Design Pro v4’s rule table as the client', { timeout: 120_000 }, () => {
  const browser = suiteBrowser();

  it('creates, marks done, deletes one and batch-deletes through POST /api/rule with `method`', async () => {
    const { page, context, user } = await signedInPage(browser(), 'antd');
    await serveFixture(page);
    const sent = [];
    page.on('request', (req) => {
      if (new URL(req.url()).pathname.startsWith('/api/rule')) {
        sent.push({ method: req.method(), search: new URL(req.url()).search, body: req.postDataJSON(), key: req.headers()['idempotency-key'] });
      }
    });
    await page.goto(`${BASE_URL}/antd-table.html`);
    await expectRows(page, []);

    const create = (name, desc) => async () => {
      await byTestId(page, 'create-name').fill(name);
      await byTestId(page, 'create-desc').fill(desc);
      await byTestId(page, 'create-submit').click();
    };
    await act(page, create('Write report', 'quarterly'), 'Added successfully', ['Write report']);
    await act(page, create('Call Bob', 'about the move'), 'Added successfully', ['Call Bob', 'Write report']);
    await act(page, create('Pay rent', ''), 'Added successfully', ['Pay rent', 'Call Bob', 'Write report']);
    await act(page, create('Water plants', 'balcony'), 'Added successfully', ['Water plants', 'Pay rent', 'Call Bob', 'Write report']);

    await act(page, () => byTestId(row(page, 'Write report'), 'row-done').click(), 'Updated successfully', [
      'Water plants',
      'Pay rent',
      'Call Bob',
      'Write report',
    ]);
    await expectText(byTestId(row(page, 'Write report'), 'row-status'), 'Done');

    await act(page, () => byTestId(row(page, 'Call Bob'), 'row-delete').click(), 'Deleted successfully', [
      'Water plants',
      'Pay rent',
      'Write report',
    ]);

    await byTestId(row(page, 'Water plants'), 'row-select').check();
    await byTestId(row(page, 'Pay rent'), 'row-select').check();
    await expectText(byTestId(page, 'selected-count'), '2 selected');
    await screenshot(page, '46-antd-table');
    await act(page, () => byTestId(page, 'batch-delete').click(), 'Deleted successfully', ['Write report']);
    await expectText(byTestId(page, 'table-total'), 'Total 1 items');

    // what went over the wire is Ant Design Pro's convention, and nothing else
    const writes = sent.filter((r) => r.method !== 'GET');
    assert.ok(writes.every((r) => r.method === 'POST' && r.search === ''), 'every write is POST /api/rule');
    assert.ok(writes.every((r) => r.key === undefined), 'no Idempotency-Key: Ant Design Pro does not send one');
    const keyOf = async (name) => (await apiList(page)).body.data.find((r) => r.name === name)?.key;
    const reportKey = await keyOf('Write report');
    assert.deepEqual(
      writes.map((r) => r.body.method),
      ['post', 'post', 'post', 'post', 'update', 'delete', 'delete'],
    );
    assert.deepEqual(writes[0].body, { name: 'Write report', desc: 'quarterly', method: 'post' });
    assert.deepEqual(writes[4].body, { key: reportKey, name: 'Write report', desc: 'quarterly', status: '2', method: 'update' });
    assert.equal(writes[5].body.key.length, 1, 'delete one: a list of one key');
    assert.equal(writes[6].body.key.length, 2, 'batch delete: both keys');
    const reads = sent.filter((r) => r.method === 'GET');
    assert.ok(reads.length >= 8 && reads.every((r) => r.search === '?current=1&pageSize=20'), 'the table lists with current and pageSize');

    // the server holds exactly what the table shows: no duplicate, every change stored
    const { status, body } = await apiList(page);
    assert.equal(status, 200);
    assert.equal(body.total, 1);
    assert.equal(body.data.length, 1);
    const [report] = body.data;
    assert.equal(report.name, 'Write report');
    assert.equal(report.desc, 'quarterly');
    assert.equal(report.status, 2, 'the string "2" is stored as the number 2');
    assert.equal(report.version, 2, 'created once, updated once');
    assertNoConsoleErrors(page);

    // and the app, on the same account, shows the same
    await page.goto(`${BASE_URL}/`);
    await expectVisible(byTestId(page, 'app'));
    await expectText(byTestId(page, 'current-user'), user);
    await expectTotal(page, 1);
    assert.equal(await byTestId(itemNamed(page, 'Write report'), 'todo-status').inputValue(), '2');
    assertNoConsoleErrors(page);
    await context.close();
  });
});
