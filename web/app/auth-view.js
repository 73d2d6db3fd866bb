/**
 * auth-view.js — the log-in / create-account form.
 *
 * One form with two modes. Register mode adds the contract's rules for the
 * user name (3–32 of letters, digits, _ . -) and the password (8–128
 * characters) as native constraints. Server errors (wrong password, name
 * taken, too many attempts) are shown with the contract's errorMessage. On
 * success it calls onLoggedIn(user).
 */
import * as session from './session.js';
import { byTestId } from './dom.js';

export function createAuthView({ onLoggedIn }) {
  const section = byTestId('auth');
  const title = byTestId('auth-title', section);
  const message = byTestId('auth-message', section);
  const form = byTestId('auth-form', section);
  const userName = byTestId('auth-username', form);
  const password = byTestId('auth-password', form);
  const submit = byTestId('auth-submit', form);
  const switchText = byTestId('auth-switch-text', section);
  const toggle = byTestId('auth-mode-toggle', section);
  const registerOnly = section.querySelectorAll('[data-register-only]');

  let mode = 'login';
  let busy = false;

  function showMessage(text, tone) {
    message.textContent = text;
    message.dataset.tone = tone;
    message.hidden = false;
  }

  function hideMessage() {
    message.hidden = true;
    message.textContent = '';
  }

  function setMode(next) {
    mode = next;
    const registering = mode === 'register';
    title.textContent = registering ? 'Create an account' : 'Log in';
    submit.textContent = registering ? 'Create account' : 'Log in';
    switchText.textContent = registering ? 'Already have an account?' : 'No account yet?';
    toggle.textContent = registering ? 'Log in instead' : 'Create an account';
    password.autocomplete = registering ? 'new-password' : 'current-password';
    document.title = registering ? 'Create an account — Todos' : 'Log in — Todos';
    for (const hint of registerOnly) hint.hidden = !registering;
    if (registering) {
      userName.pattern = '[A-Za-z0-9_.\\-]{3,32}';
      userName.minLength = 3;
      password.minLength = 8;
    } else {
      userName.removeAttribute('pattern');
      userName.removeAttribute('minlength');
      password.removeAttribute('minlength');
    }
  }

  toggle.addEventListener('click', () => {
    setMode(mode === 'login' ? 'register' : 'login');
    hideMessage();
    userName.focus();
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    form.setAttribute('aria-busy', 'true');
    submit.setAttribute('aria-disabled', 'true');
    const registering = mode === 'register';
    showMessage(registering ? 'Creating your account…' : 'Logging in…', 'info');
    try {
      const name = userName.value.trim();
      const user = registering ? await session.register(name, password.value) : await session.logIn(name, password.value);
      password.value = '';
      hideMessage();
      onLoggedIn(user, { registered: registering });
    } catch (err) {
      showMessage(err.message, 'error');
      if (err.status === 409) userName.focus();
      else password.focus();
    } finally {
      busy = false;
      form.removeAttribute('aria-busy');
      submit.removeAttribute('aria-disabled');
    }
  });

  return {
    /** Show the form in log-in mode, optionally with a message and a prefilled user name. */
    show({ text, tone = 'info', name } = {}) {
      setMode('login');
      password.value = '';
      if (name) userName.value = name;
      if (text) showMessage(text, tone);
      else hideMessage();
      section.hidden = false;
      (userName.value ? password : userName).focus();
    },
    hide() {
      section.hidden = true;
      hideMessage();
    },
  };
}
