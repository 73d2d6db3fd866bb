/**
 * filters.js — the filter bar: name substring and a multi-select of statuses
 * (one checkbox per status). Calls onChange() when the filters change:
 * at once for checkboxes, Apply, Enter and Clear; after a short pause while
 * typing a name. A name over 200 characters (code points, as the server
 * counts them) is not sent: a message under the field says why.
 */
import { byTestId, h, uniqueId } from './dom.js';
import { STATUSES } from './status.js';
import { lengthError, NAME_MAX } from './limits.js';

const TYPING_PAUSE_MS = 350;

export function createFilters({ onChange }) {
  const form = byTestId('filter-form');
  const name = byTestId('filter-name', form);
  const fieldset = byTestId('filter-status', form);
  const clear = byTestId('filter-clear', form);
  const nameError = byTestId('filter-name-error', form);
  let timer = null;

  const boxes = STATUSES.map((s) => {
    const id = uniqueId('filter-status');
    const box = h('input', { type: 'checkbox', id, value: s.value, testid: `filter-status-${s.value}` });
    fieldset.append(h('label', { class: 'check', for: id }, box, h('span', {}, s.label)));
    return box;
  });

  /** Whether the name fits the limit; shows or hides the message under it. */
  function nameFits() {
    const message = lengthError('The name filter', name.value, { max: NAME_MAX });
    nameError.textContent = message;
    nameError.hidden = !message;
    if (message) name.setAttribute('aria-invalid', 'true');
    else name.removeAttribute('aria-invalid');
    return !message;
  }

  function changed() {
    clearTimeout(timer);
    if (nameFits()) onChange();
  }

  name.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(changed, TYPING_PAUSE_MS);
  });
  for (const box of boxes) box.addEventListener('change', changed);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    changed();
  });
  clear.addEventListener('click', () => {
    set({ name: '', status: [] });
    changed();
  });

  function get() {
    return {
      name: name.value.trim(),
      status: boxes.filter((b) => b.checked).map((b) => Number(b.value)),
    };
  }

  function set({ name: text = '', status = [] } = {}) {
    clearTimeout(timer);
    name.value = text;
    nameFits();
    for (const box of boxes) box.checked = status.includes(Number(box.value));
  }

  return {
    get,
    set,
    reset() {
      set({ name: '', status: [] });
    },
    isActive() {
      const f = get();
      return Boolean(f.name) || f.status.length > 0;
    },
  };
}
