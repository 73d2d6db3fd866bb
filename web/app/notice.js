/**
 * notice.js — the one message area of the page (a polite live region shown as
 * a toast at the bottom): success, info, warning and error messages. Success
 * messages fade after a few seconds; the others stay until dismissed or
 * replaced, so nobody misses a conflict or an error. The region stays in the
 * accessibility tree while empty (only its look depends on data-tone), so
 * screen readers announce each new message.
 */
import { byTestId } from './dom.js';

const box = byTestId('notice');
const text = byTestId('notice-text', box);
const close = byTestId('notice-close', box);
let timer = null;

close.hidden = true;
close.addEventListener('click', () => clearNotice());
box.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') clearNotice();
});

/** Show `message`; tone is 'success' | 'info' | 'warning' | 'error'. */
export function notify(message, tone = 'info') {
  clearTimeout(timer);
  box.dataset.tone = tone;
  text.textContent = tone === 'error' ? `Error: ${message}` : message;
  close.hidden = false;
  if (tone === 'success') timer = setTimeout(clearNotice, 6000);
}

/** Hide the message. */
export function clearNotice() {
  clearTimeout(timer);
  text.textContent = '';
  close.hidden = true;
  delete box.dataset.tone;
}
