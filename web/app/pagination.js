/**
 * pagination.js — the pager under the list: previous / next page, "Page x of
 * y", and the page-size choice (10, 20, 50). Buttons at the ends are marked
 * aria-disabled instead of disabled so keyboard focus is never lost.
 */
import { byTestId } from './dom.js';

export const PAGE_SIZES = [10, 20, 50];

export function createPagination({ onPage, onPageSize }) {
  const prev = byTestId('page-prev');
  const next = byTestId('page-next');
  const info = byTestId('page-info');
  const size = byTestId('page-size');
  let page = 1;
  let pages = 1;

  prev.addEventListener('click', () => {
    if (page > 1) onPage(page - 1);
  });
  next.addEventListener('click', () => {
    if (page < pages) onPage(page + 1);
  });
  size.addEventListener('change', () => onPageSize(Number(size.value)));

  return {
    render({ current, pageSize, total }) {
      page = current;
      pages = Math.max(1, Math.ceil(total / pageSize));
      info.textContent = `Page ${current} of ${pages}`;
      prev.setAttribute('aria-disabled', String(current <= 1));
      next.setAttribute('aria-disabled', String(current >= pages));
      size.value = String(pageSize);
    },
  };
}
