/**
 * notice.js — the one message area of the page (a polite live region shown as
 * a toast at the bottom): success, info, warning and error messages. Success
 * messages go after a few seconds (not while the pointer or focus is on the
 * toast); the others stay until dismissed or replaced, so nobody misses a
 * conflict or an error. The region stays in the accessibility tree while
 * empty (only its look depends on data-tone), so screen readers announce
 * each new message.
 *
 * Dismissing: the × button (in the Tab order right after the top bar, so it
 * is a few Tabs from the top rather than after every row), or Escape pressed
 * anywhere — unless something else used that Escape (the inline editor, the
 * progress field, an open dialog).
 *
 * Not covering the page: while a toast is shown, its height is reserved at
 * the end of the page and as scroll padding (`--notice-space` on <html>, set
 * through the CSSOM, which the CSP allows), and the focused control is
 * scrolled above the toast if the toast would hide it.
 */
import { byTestId } from './dom.js';

const SUCCESS_MS = 6000;

const box = byTestId('notice');
const text = byTestId('notice-text', box);
const close = byTestId('notice-close', box);
const root = document.documentElement;
let timer = null;
let hovered = false;

close.hidden = true;
close.addEventListener('click', () => {
  const hadFocus = document.activeElement === close;
  clearNotice();
  if (hadFocus) document.getElementById('main')?.focus({ preventScroll: true });
});

document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape' || event.defaultPrevented || !box.dataset.tone) return;
  if (document.querySelector('dialog[open]')) return;
  clearNotice();
});

function reserveSpace() {
  const shown = Boolean(box.dataset.tone);
  const height = shown ? Math.ceil(box.getBoundingClientRect().height) : 0;
  root.style.setProperty('--notice-space', `${height ? height + 16 : 0}px`);
}

if (typeof ResizeObserver === 'function') new ResizeObserver(reserveSpace).observe(box);

/** If the toast hides the focused control, scroll that control above it. */
function keepFocusVisible() {
  const active = document.activeElement;
  if (!active || active === document.body || box.contains(active)) return;
  const rect = active.getBoundingClientRect();
  const top = box.getBoundingClientRect().top;
  if (rect.bottom > top && rect.top < window.innerHeight) active.scrollIntoView({ block: 'nearest' });
}

function startTimer() {
  clearTimeout(timer);
  if (box.dataset.tone === 'success' && !hovered && !box.contains(document.activeElement)) {
    timer = setTimeout(clearNotice, SUCCESS_MS);
  }
}

box.addEventListener('pointerenter', () => {
  hovered = true;
  clearTimeout(timer);
});
box.addEventListener('pointerleave', () => {
  hovered = false;
  startTimer();
});
box.addEventListener('focusin', () => clearTimeout(timer));
box.addEventListener('focusout', () => startTimer());

/** Show `message`; tone is 'success' | 'info' | 'warning' | 'error'. */
export function notify(message, tone = 'info') {
  box.dataset.tone = tone;
  text.textContent = tone === 'error' ? `Error: ${message}` : message;
  close.hidden = false;
  reserveSpace();
  keepFocusVisible();
  startTimer();
}

/** Hide the message. */
export function clearNotice() {
  clearTimeout(timer);
  text.textContent = '';
  close.hidden = true;
  delete box.dataset.tone;
  reserveSpace();
}
