/**
 * delete-account.js — the "Delete account" card of the logged-in page and
 * its native <dialog> that asks for the password again.
 *
 * The dialog (modal, focus trapped, focus back on the button when it
 * closes) says what will be lost, takes the password and sends
 * DELETE /api/currentUser. It stays open on a refusal and shows the server's
 * errorMessage inside it: a wrong password (403: nothing was deleted), too
 * many attempts (429; the message says how long to wait), or an outage. It
 * cannot be dismissed while the request is out, so the user does not leave
 * thinking nothing happened. On success it calls onDeleted({name,
 * deletedTodos}); a 401 (session gone) is handled by main.js, which closes
 * the dialog through close().
 */
import * as session from './session.js';
import { byTestId } from './dom.js';

export function createDeleteAccount({ onDeleted }) {
  const openButton = byTestId('delete-account');
  const dialog = byTestId('account-dialog');
  const form = byTestId('account-form', dialog);
  const text = byTestId('account-dialog-text', dialog);
  const password = byTestId('account-password', form);
  const error = byTestId('account-error', form);
  const confirm = byTestId('account-confirm', form);
  let busy = false;

  function showError(message) {
    error.textContent = message;
    error.hidden = !message;
  }

  function setBusy(next) {
    busy = next;
    if (busy) {
      form.setAttribute('aria-busy', 'true');
      confirm.setAttribute('aria-disabled', 'true');
      confirm.textContent = 'Deleting…';
    } else {
      form.removeAttribute('aria-busy');
      confirm.removeAttribute('aria-disabled');
      confirm.textContent = 'Delete account';
    }
  }

  openButton.addEventListener('click', () => {
    const user = session.currentUser();
    if (!user || dialog.open) return;
    text.textContent = `This deletes the account “${user.name}” and all of its todos, and logs you out everywhere. It cannot be undone. Enter your password to confirm.`;
    password.value = '';
    showError('');
    setBusy(false);
    dialog.showModal();
    password.focus();
  });

  // Escape while the request is out would hide an answer that is still coming
  dialog.addEventListener('cancel', (event) => {
    if (busy) event.preventDefault();
  });

  dialog.addEventListener('close', () => {
    if (dialog.open) return; // a late event of an earlier closing (see confirm-dialog.js)
    password.value = '';
    showError('');
  });

  form.addEventListener('submit', async (event) => {
    if (event.submitter?.value !== 'delete') return; // Cancel: the form's method="dialog" closes it
    event.preventDefault();
    if (busy) return; // (an empty password never gets here: the field is `required`)
    const name = session.currentUser()?.name ?? '';
    setBusy(true);
    showError('');
    try {
      const { deletedTodos } = await session.deleteAccount(password.value);
      setBusy(false);
      dialog.close('deleted');
      onDeleted({ name, deletedTodos: Number(deletedTodos) || 0 });
    } catch (err) {
      setBusy(false);
      if (err.sessionExpired || !dialog.open) return; // main.js took over
      showError(err.message); // 403 wrong password, 429 with the wait, 503 …: the server's own words
      password.select();
      password.focus();
    }
  });

  return {
    /** Close the dialog (on logout or an expired session). */
    close() {
      setBusy(false);
      if (dialog.open) dialog.close('cancel');
    },
  };
}
