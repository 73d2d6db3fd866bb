/**
 * drafts.js — keeps the user's unsaved input across an expired session.
 *
 * When the session expires, the app stores what the user had typed (new-todo
 * form, inline edits in progress, filters and page) in sessionStorage, tagged
 * with the user's name. After that same user logs in again, even after a page
 * reload in the same tab, the draft is taken back and restored. A different
 * user never gets it; logging out discards it.
 *
 * It also keeps the "a session existed" marker in localStorage (no name, no
 * token: just that this browser was logged in and did not log out), so a
 * page opened after the HttpOnly cookie expired can say that it expired.
 */

const STORAGE_KEY = 'todo-app.unsaved-draft.v1';
const SESSION_MARK_KEY = 'todo-app.had-session.v1';

function local() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** Remember that this browser has a session (called on every login and page load with a session). */
export function markSession() {
  try {
    local()?.setItem(SESSION_MARK_KEY, '1');
  } catch {
    // storage full or disabled: the expiry message is then only shown mid-session
  }
}

/** Whether a session existed in this browser and was not logged out. */
export function hadSession() {
  try {
    return local()?.getItem(SESSION_MARK_KEY) === '1';
  } catch {
    return false;
  }
}

/** Forget the marker (on logout). */
export function clearSessionMark() {
  try {
    local()?.removeItem(SESSION_MARK_KEY);
  } catch {
    // ignore
  }
}

function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: drafts then live only as long as the page
  }
}

/** Store `draft` for `userName`. */
export function saveDraft(userName, draft) {
  const store = storage();
  if (!store || !draft) return;
  try {
    store.setItem(STORAGE_KEY, JSON.stringify({ user: String(userName).toLowerCase(), savedAt: Date.now(), draft }));
  } catch {
    // quota or privacy mode: nothing we can do
  }
}

function read() {
  const store = storage();
  if (!store) return null;
  try {
    const raw = store.getItem(STORAGE_KEY);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

/** The name of the user a draft is waiting for, or null. */
export function pendingDraftUser() {
  const entry = read();
  return entry ? entry.user : null;
}

/** Remove and return the draft if it belongs to `userName`; a draft of another user is discarded. */
export function takeDraft(userName) {
  const entry = read();
  clearDraft();
  if (!entry || entry.user !== String(userName).toLowerCase()) return null;
  return entry.draft;
}

/** Forget any stored draft. */
export function clearDraft() {
  const store = storage();
  if (!store) return;
  try {
    store.removeItem(STORAGE_KEY);
  } catch {
    // ignore
  }
}
