/**
 * todo-page.js — the logged-in page: the controller that ties the add form,
 * filters, list, pager and confirmation dialog to the API.
 *
 * It owns the page state (page, page size, the server's list and total,
 * selection, inline edits in progress) and re-fetches the list after every
 * change, so the counts shown are always the server's. A todo shown is never
 * replaced by an older version of it (a write's answer is shown at once, and a
 * list fetched before that write cannot undo it), and while the user's own
 * writes to a todo are being saved its controls keep the user's values.
 * Conflicts (409) reload the todo and tell the user; an expired session (401)
 * is left to main.js, which takes getDraft() before calling stop().
 */
import * as api from './api.js';
import { byTestId, plural } from './dom.js';
import { notify } from './notice.js';
import { statusLabel } from './status.js';
import { confirmAction, cancelDialog } from './confirm-dialog.js';
import { createNewTodoForm } from './new-todo-form.js';
import { createFilters } from './filters.js';
import { createPagination, PAGE_SIZES } from './pagination.js';
import { createTodoList } from './todo-list.js';
import * as writes from './todo-writes.js';

export function createTodoPage() {
  const section = byTestId('app');
  const listTitle = byTestId('todo-list').closest('section').querySelector('h2');
  listTitle.tabIndex = -1;

  const state = {
    active: false,
    page: 1,
    pageSize: PAGE_SIZES[0],
    data: [],
    total: 0,
    loading: false,
    loaded: false,
    error: null,
    selection: new Set(),
    editing: new Map(), // key → {name, desc, version, conflict, busy, focus}
  };
  let loadSeq = 0;
  let abortLoad = null;

  const newTodo = createNewTodoForm({ onSubmit: create });
  const filters = createFilters({
    onChange: () => {
      state.page = 1;
      load();
    },
  });
  const pager = createPagination({
    onPage: (page) => {
      state.page = page;
      load();
    },
    onPageSize: (size) => {
      state.pageSize = size;
      state.page = 1;
      load();
    },
  });
  const list = createTodoList({
    onRetry: () => load(),
    onSelect(key, checked) {
      if (checked) state.selection.add(key);
      else state.selection.delete(key);
      render();
    },
    onSelectAll(checked) {
      for (const rule of state.data) {
        if (checked) state.selection.add(rule.key);
        else state.selection.delete(rule.key);
      }
      render();
    },
    onDeleteSelected: () => removeTodos([...state.selection]),
    onDelete: (key) => removeTodos([key]),
    onStatus: (key, status) => change(key, { status }),
    onProgress: (key, progress) => change(key, { progress }),
    onEdit(key) {
      const rule = findRule(key);
      if (!rule) return;
      state.editing.set(key, { name: rule.name, desc: rule.desc ?? '', version: rule.version, conflict: null, focus: true });
      render();
    },
    onEditInput(key, values) {
      const edit = state.editing.get(key);
      if (edit) Object.assign(edit, values);
    },
    onCancel(key) {
      state.editing.delete(key);
      render();
    },
    onSave: saveEdit,
  });

  function findRule(key) {
    return state.data.find((rule) => rule.key === key) ?? null;
  }

  /** The newer of two versions of one todo (the second when versions are unknown). */
  function newer(held, incoming) {
    if (held && typeof held.version === 'number' && typeof incoming.version === 'number' && held.version > incoming.version) {
      return held;
    }
    return incoming;
  }

  /** Show a todo the server just answered with (a write's result), unless a newer one is shown. */
  function showAnswer(rule) {
    const index = state.data.findIndex((shown) => shown.key === rule?.key);
    if (index >= 0) state.data[index] = newer(state.data[index], rule);
  }

  function render() {
    if (!state.active) return;
    list.render({ ...state, saving: writes.pendingKeys(), filtersActive: filters.isActive() });
    pager.render({ current: state.page, pageSize: state.pageSize, total: state.total });
    document.title = state.loaded ? `Todos (${state.total})` : 'Todos';
  }

  /** Fetch the current page with the current filters; newer fetches win over older ones. */
  async function load() {
    if (!state.active) return;
    const seq = ++loadSeq;
    if (abortLoad) abortLoad.abort();
    abortLoad = new AbortController();
    state.loading = true;
    render();
    try {
      const { name, status } = filters.get();
      const res = await api.listTodos({ current: state.page, pageSize: state.pageSize, name, status }, abortLoad.signal);
      if (seq !== loadSeq || !state.active) return;
      const data = Array.isArray(res.data) ? res.data : [];
      const total = Number(res.total) || 0;
      const lastPage = Math.max(1, Math.ceil(total / state.pageSize));
      if (data.length === 0 && state.page > lastPage) {
        state.page = lastPage; // the page emptied (deletes): show the last one that has items
        await load();
        return;
      }
      const held = new Map(state.data.map((rule) => [rule.key, rule]));
      state.data = data.map((rule) => newer(held.get(rule.key), rule));
      state.total = total;
      state.error = null;
      state.loaded = true;
      data.forEach(writes.rememberVersion);
      const visible = new Set(data.map((rule) => rule.key));
      for (const key of state.selection) if (!visible.has(key)) state.selection.delete(key);
    } catch (err) {
      if (seq !== loadSeq || !state.active || err.name === 'AbortError' || err.sessionExpired) return;
      state.error = err;
    }
    state.loading = false;
    render();
  }

  /** Errors of writes: 409 reloads the todo and explains, 404 says it is gone, others show errorMessage. */
  async function explainWriteError(err, key) {
    if (err.sessionExpired || !state.active) return null;
    if (err.status === 409) {
      const latest = await fetchLatest(key);
      if (latest) {
        notify(
          `Someone else changed “${latest.name}” in the meantime. The latest version is shown now; your change was not saved.`,
          'warning',
        );
      }
      return latest;
    }
    if (err.status === 404) {
      state.editing.delete(key);
      notify('This todo no longer exists: it was deleted elsewhere.', 'warning');
      return null;
    }
    notify(err.message, 'error');
    return null;
  }

  /** GET /api/rule/{key} after a conflict; shows the server's version at once. */
  async function fetchLatest(key) {
    try {
      const latest = await api.getTodo(key);
      writes.rememberVersion(latest);
      const index = state.data.findIndex((rule) => rule.key === key);
      if (index >= 0) state.data[index] = latest;
      render();
      return latest;
    } catch (err) {
      if (err.status === 404) {
        state.editing.delete(key);
        notify('This todo no longer exists: it was deleted elsewhere.', 'warning');
      } else if (!err.sessionExpired) {
        notify(err.message, 'error');
      }
      return null;
    }
  }

  async function create(values) {
    let ok = false;
    try {
      const rule = await api.createTodo(values);
      writes.rememberVersion(rule);
      notify(`Added “${rule.name ?? values.name}”.`, 'success');
      state.page = 1; // newest first: the new todo is on page 1
      ok = true;
    } catch (err) {
      if (!err.sessionExpired && state.active) notify(err.message, 'error');
    }
    await load();
    return ok;
  }

  /** Status or progress change of one todo. */
  async function change(key, changes) {
    try {
      const { rule, sentVersion } = await writes.update(key, changes);
      showAnswer(rule);
      const edit = state.editing.get(key);
      if (edit && edit.version === sentVersion) edit.version = rule.version; // our own write: not a conflict
      const what = 'status' in changes ? `is now ${statusLabel(rule.status)}` : `is at ${rule.progress}%`;
      notify(`“${rule.name}” ${what}.`, 'success');
    } catch (err) {
      await explainWriteError(err, key);
    }
    await load();
  }

  async function saveEdit(key, values) {
    const edit = state.editing.get(key);
    if (!edit) return;
    Object.assign(edit, values, { busy: true });
    render();
    try {
      const { rule } = await writes.update(key, values, { version: () => state.editing.get(key)?.version });
      showAnswer(rule);
      state.editing.delete(key);
      notify(`Saved “${rule.name}”.`, 'success');
    } catch (err) {
      edit.busy = false;
      if (err.status === 409 && !err.sessionExpired && state.active) {
        const latest = await fetchLatest(key);
        if (latest && state.editing.has(key)) {
          edit.version = latest.version;
          const theirs = latest.desc ? `“${latest.name}” — “${latest.desc}”` : `“${latest.name}”`;
          edit.conflict = `Someone else changed this todo while you were editing; it is now ${theirs}. Your text is kept below: Save again to replace theirs, or Cancel to keep it.`;
          notify('Someone else changed this todo while you were editing. Your text was not saved yet.', 'warning');
        }
      } else {
        await explainWriteError(err, key);
      }
    }
    await load();
  }

  async function removeTodos(keys) {
    if (!keys.length) return;
    const names = keys.map((key) => findRule(key)?.name).filter(Boolean);
    const text =
      keys.length === 1 && names.length === 1
        ? `Delete “${names[0]}”? This cannot be undone.`
        : `Delete ${plural(keys.length, 'selected todo')}? This cannot be undone.`;
    const heading = keys.length === 1 ? 'Delete this todo?' : `Delete ${keys.length} todos?`;
    const confirmed = await confirmAction({ heading, text, confirmLabel: 'Delete' });
    if (!confirmed || !state.active) return;
    try {
      const res = await api.deleteTodos(keys);
      for (const key of keys) {
        state.selection.delete(key);
        state.editing.delete(key);
      }
      notify(`Deleted ${plural(Number(res.deleted ?? keys.length), 'todo')}.`, 'success');
    } catch (err) {
      if (!err.sessionExpired && state.active) notify(err.message, 'error');
    }
    await load();
    if (state.active && !section.contains(document.activeElement)) listTitle.focus();
  }

  return {
    /** Show the page for a freshly logged-in user, restoring `draft` (from drafts.js) if given. */
    start(draft) {
      state.active = true;
      section.hidden = false;
      if (draft) {
        newTodo.applyDraft(draft.newTodo);
        filters.set(draft.filters ?? {});
        if (PAGE_SIZES.includes(draft.pageSize)) state.pageSize = draft.pageSize;
        if (Number.isInteger(draft.page) && draft.page > 0) state.page = draft.page;
        (draft.edits ?? []).forEach((edit, index) => {
          state.editing.set(edit.key, {
            name: edit.name,
            desc: edit.desc,
            version: edit.version,
            conflict: null,
            focus: index === 0,
          });
        });
      }
      if (!state.editing.size) newTodo.focus();
      return load();
    },

    /** Hide the page and forget everything of this user. */
    stop() {
      state.active = false;
      loadSeq += 1;
      if (abortLoad) abortLoad.abort();
      abortLoad = null;
      cancelDialog();
      section.hidden = true;
      list.clear();
      newTodo.reset();
      filters.reset();
      writes.forgetAll();
      Object.assign(state, { page: 1, pageSize: PAGE_SIZES[0], data: [], total: 0, loading: false, loaded: false, error: null });
      state.selection.clear();
      state.editing.clear();
      pager.render({ current: 1, pageSize: PAGE_SIZES[0], total: 0 });
    },

    /** The user's unsaved input: new-todo form, inline edits, filters, page. */
    getDraft() {
      const edits = [...state.editing].map(([key, edit]) => ({ key, name: edit.name, desc: edit.desc, version: edit.version }));
      return {
        newTodo: newTodo.getDraft(),
        edits,
        filters: filters.get(),
        page: state.page,
        pageSize: state.pageSize,
        hasUnsavedInput: Boolean(newTodo.getDraft()) || edits.length > 0,
      };
    },
  };
}
