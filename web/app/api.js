/**
 * api.js — the HTTP client: the only module that calls fetch().
 *
 * One function per route of the contract (api/openapi.yaml). Requests
 * carry JSON and the HttpOnly `jwtToken` cookie (credentials: 'same-origin');
 * the page never sees the token. Every non-2xx answer becomes an ApiError with
 * the contract's `errorCode` and `errorMessage` (or a readable fallback when the
 * body is not the contract's JSON). A 401 on a protected route is first
 * reported to the handler registered with onUnauthorized() — that is how an
 * expired session is noticed — and then thrown with `sessionExpired = true`.
 *
 * Writes to /api/rule (create, update, delete) carry an `Idempotency-Key`
 * (a fresh UUID per write unless the caller passes one). After an answer
 * that leaves the write's fate unknown — 502, 503, 504 or no answer at all —
 * the same request is sent again with the same key, a few times with growing
 * waits (at least the Retry-After the server asks for): the server carries a
 * keyed write out at most once and answers a repeat with the first outcome,
 * so a retry never creates a second todo or deletes twice. If every attempt
 * fails, the error is marked `unconfirmed` (the write may have landed).
 */

export class ApiError extends Error {
  constructor(status, code, message, body = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.body = body;
    this.sessionExpired = false;
    this.retryAfter = null; // seconds the server asked to wait (Retry-After), or null
    this.unconfirmed = false; // a write whose every attempt ended without a clear answer
    this.attempts = 1;
  }

  /** Whether the request may have been carried out without a clear answer (502/503/504, no answer). */
  get uncertain() {
    return this.status === 0 || UNCERTAIN_STATUSES.has(this.status);
  }
}

/** Answers after which a write's fate is unknown, so it is sent again (with its key). */
const UNCERTAIN_STATUSES = new Set([502, 503, 504]);
/** How many times a write is sent at most, and the first wait between attempts. */
export const WRITE_ATTEMPTS = 4;
const FIRST_BACKOFF_MS = 500;
/** A Retry-After longer than this ends the retries (the user is told instead of kept waiting). */
const MAX_RETRY_WAIT_MS = 10_000;

const FALLBACK_MESSAGES = {
  400: 'The server could not accept this request.',
  401: 'Please log in.',
  404: 'This item no longer exists.',
  405: 'This action is not supported by the server.',
  409: 'Someone else changed this item in the meantime.',
  413: 'The request is too large.',
  422: 'The server refused to repeat this request.',
  429: 'Too many attempts. Please wait a moment and try again.',
  502: 'The server failed to handle the request.',
  503: 'The service is starting or unavailable. Please try again in a moment.',
  504: 'The server took too long to answer.',
};

/** Short reasons for the answers that leave a write's fate unknown. */
const UNCERTAIN_REASONS = {
  0: 'the server could not be reached',
  502: 'HTTP 502: the server failed',
  503: 'HTTP 503: the service is unavailable',
  504: 'HTTP 504: the server took too long',
};

let unauthorizedHandler = null;

/** Register the function called (with the ApiError) when a protected route answers 401. */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

function fallbackMessage(status) {
  return FALLBACK_MESSAGES[status] ?? `The server answered with an unexpected error (HTTP ${status}). Please try again.`;
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date), or null. */
function parseRetryAfter(value) {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** A new Idempotency-Key: a random UUID (v4). */
export function newIdempotencyKey() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // crypto.randomUUID needs a secure context; getRandomValues does not
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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

async function request(method, path, { body, query, signal, headers, isProtected = true } = {}) {
  const init = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json', ...headers },
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
  error.retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
  if (response.status === 401 && isProtected) {
    error.sessionExpired = true;
    if (unauthorizedHandler) unauthorizedHandler(error);
  }
  throw error;
}

/** The wait before attempt `attempt + 1`: growing backoff with jitter, at least Retry-After; null = stop. */
function retryWait(err, attempt) {
  const backoff = FIRST_BACKOFF_MS * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5);
  const asked = (err.retryAfter ?? 0) * 1000;
  if (asked > MAX_RETRY_WAIT_MS) return null;
  return Math.round(Math.max(backoff, asked));
}

/** The error of a write whose every attempt ended without a clear answer. */
function unconfirmed(err, attempts) {
  const reason = UNCERTAIN_REASONS[err.status] ?? `HTTP ${err.status}`;
  const error = new ApiError(
    err.status,
    err.code,
    `The server did not confirm this change (${reason}; ${attempts === 1 ? '1 attempt' : `${attempts} attempts`}). It may have been saved all the same: the list shows what the server has.`,
    err.body,
  );
  Object.assign(error, { unconfirmed: true, attempts, reason, retryAfter: err.retryAfter });
  return error;
}

/**
 * Send a write to /api/rule with an Idempotency-Key, again with the same key
 * after an uncertain answer (see the top of this file). `onRetry({attempt,
 * attempts, waitMs})` is called before each repeat.
 */
async function write(method, body, { idempotencyKey = newIdempotencyKey(), onRetry } = {}) {
  const headers = { 'Idempotency-Key': idempotencyKey };
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await request(method, '/api/rule', { body, headers });
    } catch (err) {
      if (!(err instanceof ApiError) || !err.uncertain) throw err;
      const waitMs = attempt < WRITE_ATTEMPTS ? retryWait(err, attempt) : null;
      if (waitMs === null) throw unconfirmed(err, attempt);
      if (onRetry) onRetry({ attempt: attempt + 1, attempts: WRITE_ATTEMPTS, waitMs });
      await sleep(waitMs);
    }
  }
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

/**
 * POST /api/login/outLogin → ends the session on the server and clears the
 * cookie. A 503 means the session could not be ended: the cookie is kept.
 */
export function logout() {
  return request('POST', '/api/login/outLogin', { isProtected: false });
}

/**
 * DELETE /api/currentUser with the password re-entered → {deletedTodos}; the
 * account, its todos and its sessions are gone and the cookie is cleared.
 * 403 = wrong password (nothing deleted), 429 = too many attempts (retryAfter).
 */
export function deleteAccount(password) {
  return request('DELETE', '/api/currentUser', { body: { password } });
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

/*
 * The writes take `options` = {idempotencyKey, onRetry} (see write()): pass the
 * key of an earlier failed attempt to repeat that very write.
 */

/** POST /api/rule → the new Rule. */
export function createTodo({ name, desc, status, progress }, options) {
  return write('POST', { name, desc, status, progress }, options);
}

/** PUT /api/rule → the updated Rule; 409 when `version` is stale. */
export function updateTodo(changes, options) {
  return write('PUT', changes, options);
}

/** DELETE /api/rule → {deleted}: how many of the todos existed (a repeat reports the first count). */
export function deleteTodos(keys, options) {
  return write('DELETE', { key: keys }, options);
}
