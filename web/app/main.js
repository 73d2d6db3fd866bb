/**
 * main.js — the entry point: decides which view is shown.
 *
 * On load it asks the server whether there is a session (GET /api/currentUser)
 * and shows either the todo page or the login form — never a blank page: a
 * "Loading…" card first, and a retry card if the server cannot be reached.
 * It also handles the session's life cycle: after login it starts the todo
 * page (restoring any unsaved draft of that user), on logout it clears
 * everything, and when a call answers 401 mid-session it saves the user's
 * unsaved input (drafts.js) and returns to the login form with a message.
 * A logout the server cannot carry out (503: the session is still valid)
 * is reported and the page stays logged in, so the user can try again.
 * Deleting the account (delete-account.js) ends at the login form with a
 * notice of what was deleted.
 *
 * The session cookie is HttpOnly, so the page cannot see that it expired
 * while the page was closed; a marker in localStorage (drafts.js) remembers
 * that a session existed in this browser, so opening the page with an expired
 * cookie says "Your session has expired" instead of showing a bare login form.
 * Logging out removes the marker.
 */
import * as session from './session.js';
import * as drafts from './drafts.js';
import { byTestId, plural } from './dom.js';
import { notify, clearNotice } from './notice.js';
import { createAuthView } from './auth-view.js';
import { createTodoPage } from './todo-page.js';
import { createDeleteAccount } from './delete-account.js';

const EXPIRED_MESSAGE = 'Your session has expired; please log in again.';

const bootCard = byTestId('boot');
const bootError = byTestId('boot-error');
const bootErrorMessage = byTestId('boot-error-message', bootError);
const bootRetry = byTestId('boot-retry', bootError);
const userbox = byTestId('userbox');
const currentUserName = byTestId('current-user', userbox);
const logoutButton = byTestId('logout', userbox);

const todoPage = createTodoPage();
const authView = createAuthView({ onLoggedIn: enterApp });
const deleteAccount = createDeleteAccount({
  onDeleted({ name, deletedTodos }) {
    drafts.clearDraft();
    drafts.clearSessionMark();
    enterLogin({
      text: `The account “${name}” and its ${plural(deletedTodos, 'todo')} were deleted.`,
      tone: 'success',
    });
  },
});
let loggingOut = false;

function enterApp(user, { registered = false } = {}) {
  bootCard.hidden = true;
  bootError.hidden = true;
  authView.hide();
  currentUserName.textContent = user.name;
  userbox.hidden = false;
  drafts.markSession();
  const draft = drafts.takeDraft(user.name);
  // with unsaved input, the page itself says what it restored once the list is there
  if (draft && draft.hasUnsavedInput) clearNotice();
  else if (registered) notify(`Welcome, ${user.name}! Your account is ready.`, 'success');
  else clearNotice();
  todoPage.start(draft);
}

function enterLogin({ text, tone, name } = {}) {
  bootCard.hidden = true;
  bootError.hidden = true;
  deleteAccount.close();
  todoPage.stop();
  userbox.hidden = true;
  currentUserName.textContent = '';
  clearNotice();
  authView.show({ text, tone, name });
}

session.onExpired((previousUser) => {
  // Called synchronously inside the failing request, before the page is torn
  // down: everything the user typed is still in the forms.
  const draft = todoPage.getDraft();
  drafts.saveDraft(previousUser.name, draft);
  const text = draft.hasUnsavedInput ? `${EXPIRED_MESSAGE} Your unsaved input will be restored.` : EXPIRED_MESSAGE;
  enterLogin({ text, tone: 'warning', name: previousUser.name });
});

logoutButton.addEventListener('click', async () => {
  if (loggingOut) return;
  loggingOut = true;
  logoutButton.setAttribute('aria-disabled', 'true');
  try {
    await session.logOut();
  } catch (err) {
    // the session was not ended (the server keeps it, and the cookie): say so, stay logged in
    let reason = err.message;
    if (err.status === 0) reason = 'the server could not be reached.';
    else if (err.uncertain) reason = `the service is unavailable right now (HTTP ${err.status}).`;
    notify(`Could not log out: ${reason} You are still logged in; please try again.`, 'error');
    return;
  } finally {
    loggingOut = false;
    logoutButton.removeAttribute('aria-disabled');
  }
  drafts.clearDraft();
  drafts.clearSessionMark();
  enterLogin({ text: 'You have logged out.', tone: 'info' });
});

async function boot() {
  bootError.hidden = true;
  bootCard.hidden = false;
  try {
    const user = await session.detect();
    if (user) {
      enterApp(user);
      return;
    }
    const waiting = drafts.pendingDraftUser();
    if (waiting) {
      enterLogin({ text: `${EXPIRED_MESSAGE} Your unsaved input will be restored.`, tone: 'warning', name: waiting });
    } else if (drafts.hadSession()) {
      // a session existed in this browser and was not logged out: it expired
      enterLogin({ text: EXPIRED_MESSAGE, tone: 'warning' });
    } else {
      enterLogin({});
    }
  } catch (err) {
    bootCard.hidden = true;
    bootErrorMessage.textContent = err.message;
    bootError.hidden = false;
    bootRetry.focus();
  }
}

bootRetry.addEventListener('click', boot);
boot();
