/**
 * pagination.js — the pager under the list: previous / next page, "Page x of
 * y", and the page-size choice (10, 20, 50). Buttons at the ends are marked
 * aria-disabled instead of disabled so keyboard focus is never lost.
 *
 * It always shows the page and page size of the rows on screen: when a page
 * change fails, the page controller rolls its state back and the failure is
 * shown here (render's `error` with where === 'pager'), next to the control
 * the user used, with a "Try again" that repeats the change (onRetry).
 */
import { byTestId } from './dom.js';

export const PAGE_SIZES = [10, 20, 50];

export function createPagination({ onPage, onPageSize, onRetry }) {
  const prev = byTestId('page-prev');
  const next = byTestId('page-next');
  const info = byTestId('page-info');
  const size = byTestId('page-size');
  const errorBox = byTestId('pager-error');
  const errorMessage = byTestId('pager-error-message', errorBox);
  const retry = byTestId('pager-retry', errorBox);
  let page = 1;
  let pages = 1;

  prev.addEventListener('click', () => {
    if (page > 1) onPage(page - 1);
  });
  next.addEventListener('click', () => {
    if (page < pages) onPage(page + 1);
  });
  size.addEventListener('change', () => onPageSize(Number(size.value)));
  retry.addEventListener('click', () => onRetry());

  return {
    render({ current, pageSize, total, error = null }) {
      page = current;
      pages = Math.max(1, Math.ceil(total / pageSize));
      info.textContent = `Page ${current} of ${pages}`;
      prev.setAttribute('aria-disabled', String(current <= 1));
      next.setAttribute('aria-disabled', String(current >= pages));
      size.value = String(pageSize);
      const shown = Boolean(error) && error.where === 'pager';
      errorMessage.textContent = shown ? error.message : '';
      const appearing = shown && errorBox.hidden;
      errorBox.hidden = !shown;
      // in view, and above a toast (the page's scroll padding keeps its room)
      if (appearing) errorBox.scrollIntoView({ block: 'nearest' });
      if (!shown && errorBox.contains(document.activeElement)) next.focus(); // the retry button is going away
    },
  };
}
