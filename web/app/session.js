/**
 * session.js — who is logged in.
 *
 * The session is the HttpOnly `jwtToken` cookie, which the page cannot read,
 * so the session is detected with GET /api/currentUser (200 = logged in,
 * 401 = not). This module logs in, registers (then logs in), logs out (the
 * server ends the session; if it cannot, the user stays logged in), deletes
 * the account, and turns the first 401 of a protected call while logged in into one
 * "session expired" event for the listener set with onExpired().
 */
import * as api from './api.js';

let user = null;
let expiredListener = null;

api.onUnauthorized(() => {
  if (!user) return; // already handled, or not logged in: nothing to report
  const previous = user;
  user = null;
  if (expiredListener) expiredListener(previous);
});

/** The logged-in user ({userid, name, ...}) or null. */
export function currentUser() {
  return user;
}

/** Call `listener(previousUser)` when a protected call answers 401 while logged in. */
export function onExpired(listener) {
  expiredListener = listener;
}

/** Ask the server whether the cookie is a valid session. Resolves to the user or null. */
export async function detect() {
  try {
    user = await api.currentUser();
  } catch (err) {
    if (err.status === 401) {
      user = null;
    } else {
      throw err;
    }
  }
  return user;
}

/** Log in; resolves to the user. Rejects with an ApiError carrying the server's message. */
export async function logIn(userName, password) {
  await api.login(userName, password);
  const found = await detect();
  if (!found) {
    throw new api.ApiError(
      401,
      'COOKIE_NOT_KEPT',
      'You were logged in, but the browser did not keep the session cookie. Check that cookies are allowed for this site.',
    );
  }
  return found;
}

/** Create an account, then log in with it. */
export async function register(userName, password) {
  await api.register(userName, password);
  return logIn(userName, password);
}

/**
 * End the session on the server (which clears the cookie), then forget the
 * user. Rejects, still logged in, when the server could not end it (503).
 */
export async function logOut() {
  try {
    await api.logout();
  } catch (err) {
    if (err.status !== 401) throw err; // 401: the session was already gone
  }
  user = null;
}

/**
 * Delete the logged-in account (password re-entered); resolves to
 * {deletedTodos}. On success the session is gone. Rejects with the ApiError
 * (403 wrong password, 429 too many attempts) and the user still logged in.
 */
export async function deleteAccount(password) {
  const result = await api.deleteAccount(password);
  user = null;
  return result;
}
