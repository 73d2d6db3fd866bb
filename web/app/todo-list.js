/**
 * todo-list.js — the list area: count line, selection bar, loading / empty /
 * error states and the rows themselves (todo-item.js), kept in server order
 * (newest first). The error box above the rows reports failed loads except
 * a failed page change, which pagination.js shows next to the pager. render(state) is called with the page's state after every
 * fetch or change; rows are matched by key and updated in place.
 */
import { byTestId, plural } from './dom.js';
import { createTodoItem } from './todo-item.js';

/**
 * handlers: those of todo-item.js plus onRetry(), onSelectAll(checked),
 * onDeleteSelected().
 */
export function createTodoList(handlers) {
  const ul = byTestId('todo-list');
  const totalEl = byTestId('todo-total');
  const loadingEl = byTestId('list-loading');
  const errorEl = byTestId('list-error');
  const errorMessage = byTestId('list-error-message', errorEl);
  const retry = byTestId('list-retry', errorEl);
  const emptyEl = byTestId('list-empty');
  const selectAll = byTestId('select-all');
  const selectionCount = byTestId('selection-count');
  const deleteSelected = byTestId('delete-selected');
  const items = new Map();

  retry.addEventListener('click', () => handlers.onRetry());
  selectAll.addEventListener('change', () => handlers.onSelectAll(selectAll.checked));
  deleteSelected.addEventListener('click', () => {
    if (deleteSelected.getAttribute('aria-disabled') !== 'true') handlers.onDeleteSelected();
  });

  function renderRows({ data, selection, editing, saving = new Set() }) {
    const seen = new Set();
    data.forEach((rule, index) => {
      let item = items.get(rule.key);
      if (!item) {
        item = createTodoItem(rule, handlers);
        items.set(rule.key, item);
      }
      const at = ul.children[index] ?? null;
      if (at !== item.el) ul.insertBefore(item.el, at);
      item.update(rule, {
        selected: selection.has(rule.key),
        editing: editing.get(rule.key) ?? null,
        saving: saving.has(rule.key),
      });
      seen.add(rule.key);
    });
    for (const [key, item] of items) {
      if (!seen.has(key)) {
        item.el.remove();
        items.delete(key);
      }
    }
  }

  return {
    /**
     * state: {data, total, loading, loaded, error, selection: Set, editing: Map,
     * saving: Set (keys with the user's writes still being saved), filtersActive}
     */
    render(state) {
      const { data, total, loading, loaded, error, selection, filtersActive } = state;
      loadingEl.hidden = !loading;
      loadingEl.textContent = loaded ? 'Updating…' : 'Loading todos…';
      ul.setAttribute('aria-busy', String(loading));

      // error: {message, where}; a failed page change is shown by the pager instead
      const showError = Boolean(error) && error.where !== 'pager';
      errorEl.hidden = !showError;
      errorMessage.textContent = showError ? error.message : '';

      const empty = loaded && !showError && data.length === 0;
      emptyEl.hidden = !empty;
      emptyEl.textContent = filtersActive ? 'No todos match these filters.' : 'No todos yet — add your first one';

      if (loaded) {
        totalEl.textContent = filtersActive
          ? `${plural(total, 'todo')} ${total === 1 ? 'matches' : 'match'} the filters`
          : plural(total, 'todo');
      } else {
        totalEl.textContent = '';
      }
      totalEl.dataset.total = loaded ? String(total) : '';

      renderRows(state);

      const selectedHere = data.filter((rule) => selection.has(rule.key)).length;
      selectAll.checked = data.length > 0 && selectedHere === data.length;
      selectAll.indeterminate = selectedHere > 0 && selectedHere < data.length;
      selectAll.disabled = data.length === 0;
      selectionCount.textContent = `${selection.size} selected`;
      deleteSelected.setAttribute('aria-disabled', String(selection.size === 0));
      deleteSelected.textContent = selection.size ? `Delete selected (${selection.size})` : 'Delete selected';
    },

    /** Remove every row (on logout / session expiry), so nothing of one user stays on screen. */
    clear() {
      for (const item of items.values()) item.el.remove();
      items.clear();
      ul.replaceChildren();
      totalEl.textContent = '';
      errorEl.hidden = true;
      emptyEl.hidden = true;
      loadingEl.hidden = true;
    },
  };
}
