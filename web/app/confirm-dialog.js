/**
 * confirm-dialog.js — asks "are you sure?" with the native <dialog> of
 * index.html (modal, focus trapped, Escape cancels, focus returns to the
 * button that opened it). Resolves to true only when the user confirms.
 *
 * The answer is taken when the user gives it — the form's submit (which
 * button) or the dialog's cancel (Escape) — not from the `close` event,
 * which the browser delivers later, as a task of its own: a quick Escape
 * followed by Enter on another Delete button can reopen the dialog before
 * the first close event arrives, and that event must not answer the new
 * question. (`close` still settles a dialog closed any other way, if it is
 * closed when the event comes.)
 */
import { byTestId } from './dom.js';

const dialog = byTestId('confirm-dialog');
const form = dialog.querySelector('form');
const title = byTestId('confirm-title', dialog);
const message = byTestId('confirm-message', dialog);
const okButton = byTestId('confirm-ok', dialog);

let settle = null; // resolves the question on screen, once

function answer(confirmed) {
  const resolve = settle;
  settle = null;
  if (resolve) resolve(confirmed);
}

form.addEventListener('submit', (event) => answer(event.submitter?.value === 'ok')); // method="dialog" closes it next
dialog.addEventListener('cancel', () => answer(false));
dialog.addEventListener('close', () => {
  if (!dialog.open) answer(dialog.returnValue === 'ok');
});

/** Open the dialog; resolves to true for "confirm", false for cancel or Escape. */
export function confirmAction({ heading, text, confirmLabel = 'Delete' }) {
  cancelDialog();
  title.textContent = heading;
  message.textContent = text;
  okButton.textContent = confirmLabel;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    settle = resolve;
    dialog.showModal();
  });
}

/** Close the dialog as cancelled (e.g. when the session expires under it). */
export function cancelDialog() {
  if (dialog.open) dialog.close('cancel');
  answer(false);
}
