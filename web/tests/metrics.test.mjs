/**
 * metrics.test.mjs — the business metrics a developer watches in `make dev`.
 *
 * Drives the app `make dev` serves (the same `local-platform dev` that runs the
 * browser tests) through a login, a refused login, a keyed create, its replay and a
 * delete, and finds each counter in `/metrics` moved by exactly what they did. The
 * counters are the platform's sums of the EMF lines the functions print, so the
 * earlier tests' requests are in them too: the test compares with what it read
 * before, once the counters had settled.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, PASSWORD, uniqueUser, until } from './helpers.mjs';

/** The counters this test moves, with the function that counts each. */
const COUNTERS = {
  'todo_service_logins_succeeded_total{function="user"}': 1,
  'todo_service_logins_refused_total{function="user"}': 1,
  'todo_service_todos_created_total{function="rule"}': 1,
  'todo_service_idempotent_replays_total{function="rule"}': 1,
  'todo_service_todos_deleted_total{function="rule"}': 1,
};

/** The counters' values in `/metrics` now (0 for one not shown yet). */
async function counters() {
  const response = await fetch(`${BASE_URL}/metrics`);
  assert.equal(response.status, 200);
  const text = await response.text();
  const values = {};
  for (const name of Object.keys(COUNTERS)) {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    values[name] = line ? Number(line.slice(name.length + 1)) : 0;
  }
  return values;
}

/** The counters once two reads half a second apart agree. */
async function settled() {
  let last = await counters();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = await counters();
    if (JSON.stringify(now) === JSON.stringify(last)) return now;
    last = now;
  }
}

async function call(method, path, { body, token, headers = {} } = {}) {
  const response = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

describe('business metrics in make dev', { timeout: 60_000 }, () => {
  it('counts a login, a refused login, a keyed create, its replay and a delete', async () => {
    const before = await settled();
    const userName = uniqueUser('metered');
    assert.equal((await call('POST', '/api/register', { body: { userName, password: PASSWORD } })).status, 201);
    const login = await call('POST', '/api/login/account', { body: { userName, password: PASSWORD, type: 'account' } });
    assert.equal(login.status, 200);
    const { token } = login.body;
    const refused = await call('POST', '/api/login/account', {
      body: { userName, password: `${PASSWORD} not`, type: 'account' },
    });
    assert.equal(refused.status, 401);

    const keyed = { body: { name: 'counted' }, token, headers: { 'idempotency-key': crypto.randomUUID() } };
    const created = await call('POST', '/api/rule', keyed);
    assert.equal(created.status, 201);
    const replayed = await call('POST', '/api/rule', keyed);
    assert.equal(replayed.status, 201);
    assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
    assert.equal((await call('DELETE', '/api/rule', { body: { key: [created.body.key] }, token })).status, 200);

    await until('every counter moved by what the requests did', async () => {
      const now = await counters();
      return Object.entries(COUNTERS).every(([name, moved]) => now[name] - before[name] === moved);
    });
    // And no further: nothing else counted them twice.
    const after = await settled();
    for (const [name, moved] of Object.entries(COUNTERS)) {
      assert.equal(after[name] - before[name], moved, name);
    }
  });
});
