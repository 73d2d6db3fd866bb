// The rule (todo) function for Lambda's Node.js runtime: list, get, create, update and
// delete the signed-in user's todos. Verifies tokens with the public key only, and
// checks on every request that the token's session is still open.
//
// The initializer is the module's top level: key imported, DynamoDB client built and
// one warm-up GetItem made before the runtime asks for the first invocation.

import * as auth from './lib/auth.mjs';
import { connect, warm } from './lib/datastore.mjs';
import { badRequest, bodyObject, conflict, errorResult, json, methodNotAllowed, notFound, route } from './lib/http.mjs';
import { createRule, deleteRules, getRule, listRules, updateRule } from './lib/rules.mjs';
import { requireOpen } from './lib/sessions.mjs';

const keys = await auth.loadKeys({ signing: false });
const store = connect();
await warm(store);

const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/i;
const CONTROL = /\p{Cc}/u;
const fold = (text) => text.normalize('NFC').toLowerCase().normalize('NFC');

function integer(body, name, min, max) {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw badRequest(name, `${name} must be a whole number from ${min} to ${max}.`);
  }
  return number;
}

function text(body, name) {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(name, `${name} must be a string.`);
  return value;
}

function ruleName(raw) {
  const name = raw.trim().normalize('NFC');
  if (CONTROL.test(name)) throw badRequest('name', 'name must be one line without control characters.');
  const length = [...name].length;
  if (length === 0) throw badRequest('name', 'name must not be empty.');
  if (length > 200) throw badRequest('name', 'name must be at most 200 characters long.');
  return name;
}

function ruleDesc(raw) {
  const desc = raw.normalize('NFC');
  if (/[^\P{Cc}\n\r\t]/u.test(desc)) {
    throw badRequest('desc', 'desc must not contain control characters other than line breaks and tabs.');
  }
  if ([...desc].length > 2000) throw badRequest('desc', 'desc must be at most 2000 characters long.');
  return desc;
}

function ruleKey(raw) {
  const key = String(raw).trim();
  if (!ULID.test(key)) throw badRequest('key', 'key must be a todo id such as 01JD2Z6K3M8N0P4Q5R6S7T8V9W.');
  return key.toUpperCase();
}

const missing = (key) => notFound(`There is no todo ${key.slice(0, 40)}${key.length > 40 ? '...' : ''}.`);

async function list(user, event) {
  const params = new URLSearchParams(event.rawQueryString ?? '');
  const number = (name, fallback, max) => {
    const raw = (params.getAll(name).at(-1) ?? '').trim();
    if (raw === '') return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < 1 || n > max) {
      throw badRequest(name, `${name} must be a whole number from 1 to ${max}.`);
    }
    return n;
  };
  const query = { current: number('current', 1, 1_000_000), pageSize: number('pageSize', 10, 100) };
  const name = (params.getAll('name').at(-1) ?? '').trim();
  query.name = name ? fold(name) : undefined;
  if (query.name && [...query.name].length > 200) throw badRequest('name', 'name must be at most 200 characters long.');
  query.statuses = [];
  for (const part of params.getAll('status').flatMap((v) => v.split(','))) {
    if (part.trim() === '') continue;
    const status = Number(part.trim());
    if (!/^\d+$/.test(part.trim()) || status > 3) {
      throw badRequest('status', 'status must be a comma-separated list of 0, 1, 2 and 3.');
    }
    if (!query.statuses.includes(status)) query.statuses.push(status);
  }
  const page = await listRules(store, user.id, query);
  return json(200, { data: page.rules, total: page.total, success: true, current: query.current, pageSize: query.pageSize });
}

async function get(user, _event, key) {
  if (!ULID.test(key.trim())) throw missing(key);
  const rule = await getRule(store, user.id, key.trim().toUpperCase());
  if (!rule) throw missing(key);
  return json(200, rule);
}

async function create(user, event) {
  const body = bodyObject(event);
  const name = text(body, 'name');
  if (name === undefined) throw badRequest('name', 'name is required.');
  const rule = {
    name: ruleName(name),
    desc: ruleDesc(text(body, 'desc') ?? ''),
    status: integer(body, 'status', 0, 3) ?? 0,
    progress: integer(body, 'progress', 0, 100) ?? 0,
  };
  return json(201, await createRule(store, user, { rule, nameLower: fold(rule.name) }));
}

async function update(user, event, pathKey) {
  const body = bodyObject(event);
  const bodyKey = text(body, 'key');
  if (pathKey !== undefined && bodyKey !== undefined && pathKey.trim() !== bodyKey.trim()) {
    throw badRequest('key', 'key in the body differs from the key in the path.');
  }
  if (pathKey === undefined && bodyKey === undefined) throw badRequest('key', 'key is required.');
  const set = {};
  const name = text(body, 'name');
  if (name !== undefined) {
    set.name = ruleName(name);
    set.nameLower = fold(set.name);
  }
  const desc = text(body, 'desc');
  if (desc !== undefined) set.desc = ruleDesc(desc);
  const status = integer(body, 'status', 0, 3);
  if (status !== undefined) set.status = status;
  const progress = integer(body, 'progress', 0, 100);
  if (progress !== undefined) set.progress = progress;
  const changes = { key: ruleKey(pathKey ?? bodyKey), set, version: integer(body, 'version', 1, Number.MAX_SAFE_INTEGER) };
  if (Object.keys(set).length === 0) {
    throw badRequest('name', 'Give at least one of name, desc, status or progress to change.');
  }
  const outcome = await updateRule(store, user.id, changes);
  if (outcome.notFound) throw missing(changes.key);
  if (outcome.stale) {
    throw conflict(`This todo was changed elsewhere (now at version ${outcome.stale.version}); reload it and try again.`);
  }
  return json(200, outcome.updated);
}

async function remove(user, event, pathKey) {
  const body = bodyObject(event);
  let raw;
  if (pathKey !== undefined) {
    const named = body.key === undefined || body.key === null ? [] : [].concat(body.key);
    if (named.some((k) => typeof k !== 'string' || k.trim() !== pathKey.trim())) {
      throw badRequest('key', 'key in the body differs from the key in the path.');
    }
    raw = [pathKey];
  } else if (body.key === undefined || body.key === null) {
    throw badRequest('key', 'key is required.');
  } else {
    raw = [].concat(body.key);
  }
  if (raw.length === 0) throw badRequest('key', 'key must name at least one todo.');
  if (raw.length > 100) throw badRequest('key', 'key may name at most 100 todos at once.');
  const keys = [...new Set(raw.map((k) => {
    if (typeof k !== 'string') throw badRequest('key', 'key must be a todo id or a list of them.');
    return ruleKey(k);
  }))];
  return json(200, { success: true, deleted: await deleteRules(store, user.id, keys) });
}

const COLLECTION = { GET: list, POST: create, PUT: update, DELETE: remove };
const ONE = { GET: get, PUT: update, DELETE: remove };

export async function handler(event) {
  try {
    const { method, path } = route(event);
    let handle;
    let key;
    if (path === '/api/rule') {
      handle = COLLECTION[method];
      if (!handle) throw methodNotAllowed(method, 'GET, POST, PUT, DELETE');
    } else if (path.startsWith('/api/rule/') && !path.slice(10).includes('/')) {
      key = decodeURIComponent(path.slice(10));
      handle = ONE[method];
      if (!handle) throw methodNotAllowed(method, 'GET, PUT, DELETE');
    } else {
      throw notFound(`There is no ${method} ${path} here.`);
    }
    const user = await requireOpen(store, await auth.authenticate(event, keys));
    return await handle(user, event, key);
  } catch (error) {
    return errorResult(error);
  }
}
