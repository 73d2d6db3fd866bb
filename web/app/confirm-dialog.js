/**
 * confirm-dialog.js — asks "are you sure?" with the native <dialog> of
 * index.html (modal, focus trapped, Escape cancels, focus returns to the
 * button that opened it). Resolves to true only when the user confirms.
 */
import { byTestId } from './dom.js';

const dialog = byTestId('confirm-dialog');
const title = byTestId('confirm-title', dialog);
const message = byTestId('confirm-message', dialog);
const okButton = byTestId('confirm-ok', dialog);

/** Open the dialog; resolves to true for "confirm", false for cancel or Escape. */
export function confirmAction({ heading, text, confirmLabel = 'Delete' }) {
  if (dialog.open) dialog.close('cancel');
  title.textContent = heading;
  message.textContent = text;
  okButton.textContent = confirmLabel;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
  });
}

/** Close the dialog as cancelled (e.g. when the session expires under it). */
export function cancelDialog() {
  if (dialog.open) dialog.close('cancel');
}
