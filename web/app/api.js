/**
 * api.js — the HTTP client: the only module that calls fetch().
 *
 * One function per route of the contract (shared/api-contract.md). Requests
 * carry JSON and the HttpOnly `jwtToken` cookie (credentials: 'same-origin');
 * the page never sees the token. Every non-2xx answer becomes an ApiError with
 * the contract's `errorCode` and `errorMessage` (or a readable fallback when the
 * body is not the contract's JSON). A 401 on a protected route is first
 * reported to the handler registered with onUnauthorized() — that is how an
 * expired session is noticed — and then thrown with `sessionExpired = true`.
 */

export class ApiError extends Error {
  constructor(status, code, message, body = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.body = body;
    this.sessionExpired = false;
    this.retryAfter = null;
  }
}

const FALLBACK_MESSAGES = {
  400: 'The server could not accept this request.',
  401: 'Please log in.',
  404: 'This item no longer exists.',
  405: 'This action is not supported by the server.',
  409: 'Someone else changed this item in the meantime.',
  413: 'The request is too large.',
  429: 'Too many attempts. Please wait a moment and try again.',
  503: 'The service is starting or unavailable. Please try again in a moment.',
};

let unauthorizedHandler = null;

/** Register the function called (with the ApiError) when a protected route answers 401. */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

function fallbackMessage(status) {
  return FALLBACK_MESSAGES[status] ?? `The server answered with an unexpected error (HTTP ${status}). Please try again.`;
}

function buildUrl(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function request(method, path, { body, query, signal, isProtected = true } = {}) {
  const init = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
    signal,
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  let response;
  let text;
  try {
    response = await fetch(buildUrl(path, query), init);
    text = await response.text();
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK_ERROR', 'Could not reach the server. Check your connection and try again.');
  }

  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }

  if (response.ok) return data ?? {};

  const message = (data && typeof data.errorMessage === 'string' && data.errorMessage) || fallbackMessage(response.status);
  const code = (data && data.errorCode) || `HTTP_${response.status}`;
  const error = new ApiError(response.status, code, message, data);
  if (response.status === 503) error.retryAfter = response.headers.get('Retry-After');
  if (response.status === 401 && isProtected) {
    error.sessionExpired = true;
    if (unauthorizedHandler) unauthorizedHandler(error);
  }
  throw error;
}

// ---- user function -------------------------------------------------------

/** POST /api/register → {status, currentAuthority, userid}. Does not log in. */
export function register(userName, password) {
  return request('POST', '/api/register', { body: { userName, password }, isProtected: false });
}

/** POST /api/login/account → sets the jwtToken cookie. */
export function login(userName, password) {
  return request('POST', '/api/login/account', {
    body: { userName, password, type: 'account' },
    isProtected: false,
  });
}

/** POST /api/login/outLogin → clears the cookie. */
export function logout() {
  return request('POST', '/api/login/outLogin', { isProtected: false });
}

/**
 * GET /api/currentUser → {userid, name, ...}. Used to detect the session, so a
 * 401 here means "not logged in", not "session expired": it is not reported.
 */
export function currentUser() {
  return request('GET', '/api/currentUser', { isProtected: false });
}

// ---- rule (todo) function ------------------------------------------------

/** GET /api/rule → {data, total, current, pageSize}. `status` is an array of numbers. */
export function listTodos({ current, pageSize, name, status }, signal) {
  return request('GET', '/api/rule', {
    query: {
      current,
      pageSize,
      name: name || undefined,
      status: status && status.length ? status.join(',') : undefined,
    },
    signal,
  });
}

/** GET /api/rule/{key} → Rule. */
export function getTodo(key) {
  return request('GET', `/api/rule/${encodeURIComponent(key)}`);
}

/** POST /api/rule → the new Rule. */
export function createTodo({ name, desc, status, progress }) {
  return request('POST', '/api/rule', { body: { name, desc, status, progress } });
}

/** PUT /api/rule → the updated Rule; 409 when `version` is stale. */
export function updateTodo(changes) {
  return request('PUT', '/api/rule', { body: changes });
}

/** DELETE /api/rule → {deleted}. */
export function deleteTodos(keys) {
  return request('DELETE', '/api/rule', { body: { key: keys } });
}
