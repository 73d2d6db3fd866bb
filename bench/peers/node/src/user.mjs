// The user function for Lambda's Node.js runtime: register, log in, log out, current user.
//
// The initializer is the module's top level: keys imported, DynamoDB client built and
// one warm-up GetItem made before the runtime asks for the first invocation.

import argon2 from 'argon2';
import * as auth from './lib/auth.mjs';
import { connect, warm } from './lib/datastore.mjs';
import { ApiError, badRequest, bodyObject, conflict, errorResult, json, methodNotAllowed, notFound, overHttps, route, unauthorized } from './lib/http.mjs';
import { openSession, requireOpen } from './lib/sessions.mjs';
import { clearLoginAttempts, createUser, findUser, reserveLoginAttempt } from './lib/users.mjs';

// OWASP's Argon2id settings, those of the Rust functions (m=19456 KiB, t=2, p=1).
const HASHING = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };
const DUMMY_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4r0cF0ndD2l7d0Pk0cmxkyIXw0yxZQxyMqo2TFSGbcI';
const MAX_FAILED_LOGINS = 5;
const FAILED_LOGIN_WINDOW = 15 * 60;

const keys = await auth.loadKeys({ signing: true });
const store = connect();
await warm(store);

const string = (body, name, required) => {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required) throw badRequest(name, `${name} is required.`);
    return undefined;
  }
  if (typeof value !== 'string') throw badRequest(name, `${name} must be a string.`);
  return value;
};

async function register(event) {
  const body = bodyObject(event);
  const userName = string(body, 'userName', true).trim();
  const password = string(body, 'password', true);
  if (userName.length < 3 || userName.length > 32) {
    throw badRequest('userName', 'userName must be 3 to 32 characters long.');
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(userName)) {
    throw badRequest('userName', 'userName may contain only letters, digits, _, . and -.');
  }
  const length = [...password].length;
  if (length < 8 || length > 128) throw badRequest('password', 'password must be 8 to 128 characters long.');
  if (password.toLowerCase() === userName.toLowerCase()) {
    throw badRequest('password', 'password must not be the user name.');
  }
  const user = await createUser(store, userName, await argon2.hash(password, HASHING));
  if (!user) throw conflict(`The user name ${userName} is already taken; please choose another.`);
  return json(201, { status: 'ok', currentAuthority: 'user', userid: user.userId });
}

async function logIn(event, body, loginType) {
  const userName = string(body, 'userName', true);
  const password = string(body, 'password', true);
  const invalid = new ApiError(401, 'INVALID_CREDENTIALS', 'The user name or password is incorrect.');
  if (userName.length > 256 || password.length > 1024) throw invalid;
  const normalized = userName.trim().toLowerCase();
  const reserved = await reserveLoginAttempt(store, normalized, MAX_FAILED_LOGINS, FAILED_LOGIN_WINDOW);
  if (reserved !== 'ok') {
    const retryAfter =
      reserved === 'contended' ? 1 : Math.max(1, reserved.windowEnd - Math.floor(Date.now() / 1000));
    throw new ApiError(
      429,
      'TOO_MANY_REQUESTS',
      reserved === 'contended'
        ? 'Too many logins for this name at once; please retry in a moment.'
        : `Too many failed logins for this name; try again in ${Math.ceil(retryAfter / 60)} minutes.`,
      { headers: { 'retry-after': String(retryAfter) } },
    );
  }
  const user = await findUser(store, normalized);
  const matches = await argon2.verify(user?.passwordHash ?? DUMMY_HASH, password).catch(() => false);
  if (!user || !matches) throw invalid;
  await clearLoginAttempts(store, normalized).catch((error) =>
    console.warn('could not clear the login attempts', error),
  );
  const { token, lifetime, session, expiresAt } = await auth.issue(keys, user.userId, user.userName);
  if (!(await openSession(store, user.userId, session, expiresAt))) throw invalid;
  return json(
    200,
    { status: 'ok', type: loginType, currentAuthority: 'user', token },
    { cookies: [auth.sessionCookie(token, lifetime, overHttps(event))] },
  );
}

async function login(event) {
  const body = bodyObject(event);
  const type = body.type;
  const loginType = typeof type === 'string' && type !== '' && type.length <= 32 ? type : 'account';
  try {
    return await logIn(event, body, loginType);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 429)) {
      error.fields = { status: 'error', type: loginType, currentAuthority: 'guest' };
    }
    throw error;
  }
}

const logout = (event) =>
  json(200, { success: true }, { cookies: [auth.sessionCookie('', 0, overHttps(event))] });

function avatar(name) {
  const initial = (name[0] ?? '?').toUpperCase();
  let hue = 0;
  for (const byte of Buffer.from(name)) hue = (hue * 31 + byte) % 360;
  const svg = `<svg xmlns='http://www.w3.org/2000/svg' width='64' height='64'><rect width='64' height='64' rx='32' fill='hsl(${hue},45%,35%)'/><text x='32' y='42' font-family='sans-serif' font-size='28' fill='#fff' text-anchor='middle'>${initial}</text></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

async function currentUser(event) {
  const session = await requireOpen(store, await auth.authenticate(event, keys));
  const user = await findUser(store, session.name.toLowerCase());
  if (!user || user.userId !== session.id) {
    throw unauthorized('This account no longer exists; please log in again.');
  }
  return json(200, {
    userid: user.userId,
    name: user.userName,
    avatar: avatar(user.userName),
    access: 'user',
    createdAt: user.createdAt,
  });
}

const ROUTES = {
  '/api/register': ['POST', register],
  '/user/register': ['POST', register],
  '/api/login/account': ['POST', login],
  '/api/login/outLogin': ['POST', logout],
  '/api/logout': ['POST', logout],
  '/api/currentUser': ['GET', currentUser],
};

export async function handler(event) {
  try {
    const { method, path } = route(event);
    const found = ROUTES[path];
    if (!found) throw notFound(`There is no ${method} ${path} here.`);
    const [allowed, handle] = found;
    if (method !== allowed) throw methodNotAllowed(method, allowed);
    return await handle(event);
  } catch (error) {
    return errorResult(error);
  }
}
