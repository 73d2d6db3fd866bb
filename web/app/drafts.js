/**
 * drafts.js — keeps the user's unsaved input across an expired session.
 *
 * When the session expires, the app stores what the user had typed (new-todo
 * form, inline edits in progress, filters and page) in sessionStorage, tagged
 * with the user's name. After that same user logs in again, even after a page
 * reload in the same tab, the draft is taken back and restored. A different
 * user never gets it; logging out discards it.
 */

const STORAGE_KEY = 'todo-app.unsaved-draft.v1';

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
