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
 */
import * as session from './session.js';
import * as drafts from './drafts.js';
import { byTestId } from './dom.js';
import { notify, clearNotice } from './notice.js';
import { createAuthView } from './auth-view.js';
import { createTodoPage } from './todo-page.js';

const EXPIRED_MESSAGE = 'Your session expired, please log in again.';

const bootCard = byTestId('boot');
const bootError = byTestId('boot-error');
const bootErrorMessage = byTestId('boot-error-message', bootError);
const bootRetry = byTestId('boot-retry', bootError);
const userbox = byTestId('userbox');
const currentUserName = byTestId('current-user', userbox);
const logoutButton = byTestId('logout', userbox);

const todoPage = createTodoPage();
const authView = createAuthView({ onLoggedIn: enterApp });

function enterApp(user, { registered = false } = {}) {
  bootCard.hidden = true;
  bootError.hidden = true;
  authView.hide();
  currentUserName.textContent = user.name;
  userbox.hidden = false;
  const draft = drafts.takeDraft(user.name);
  todoPage.start(draft);
  if (draft && draft.hasUnsavedInput) notify('Welcome back. Your unsaved input was restored.', 'info');
  else if (registered) notify(`Welcome, ${user.name}! Your account is ready.`, 'success');
  else clearNotice();
}

function enterLogin({ text, tone, name } = {}) {
  bootCard.hidden = true;
  bootError.hidden = true;
  todoPage.stop();
  userbox.hidden = true;
  currentUserName.textContent = '';
  clearNotice();
  authView.show({ text, tone, name });
}

session.onExpired((previousUser) => {
  // Called synchronously inside the failing request, before the page is torn
  // down: everything the user typed is still in the forms.
  drafts.saveDraft(previousUser.name, todoPage.getDraft());
  enterLogin({ text: EXPIRED_MESSAGE, tone: 'warning', name: previousUser.name });
});

logoutButton.addEventListener('click', async () => {
  try {
    await session.logOut();
  } catch (err) {
    notify(`Could not log out: ${err.message}`, 'error');
    return;
  }
  drafts.clearDraft();
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
    enterLogin(
      waiting
        ? { text: `${EXPIRED_MESSAGE} Your unsaved input will be restored.`, tone: 'warning', name: waiting }
        : {},
    );
  } catch (err) {
    bootCard.hidden = true;
    bootErrorMessage.textContent = err.message;
    bootError.hidden = false;
    bootRetry.focus();
  }
}

bootRetry.addEventListener('click', boot);
boot();
