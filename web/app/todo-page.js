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
 *
 * Page, page size and filters on screen always describe the rows on screen:
 * when a fetch for another page, page size or filter fails, they are set back
 * to what the shown rows were fetched with (`shown`), and the error says what
 * could not be shown, next to where the user acted (the pager for page
 * changes, the box under the filters otherwise), with a "Try again" that
 * repeats the request.
 *
 * A status or progress change that runs into an expired session is part of
 * getDraft() (`changes`); after the same user logs in again, start() sends it
 * again with the version the user saw (so a change made elsewhere meanwhile
 * still gets a 409), and makes a restored inline edit visible (clearing the
 * filters, or going to its page, when they hide it), saying what it did.
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

/** How many pages of 100 start() reads at most to find the page of a restored edit. */
const LOCATE_PAGES = 20;

const sameFilters = (a, b) =>
  a.name === b.name && a.status.length === b.status.length && a.status.every((s, i) => s === b.status[i]);

function quote(text, max = 60) {
  const chars = [...String(text ?? '')];
  return `“${chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('')}”`;
}

export function createTodoPage() {
  const section = byTestId('app');
  const listTitle = byTestId('todo-list').closest('section').querySelector('h2');
  listTitle.tabIndex = -1;

  /** The list's view state before anything is loaded (at start and after log-out). */
  const initialView = () => ({
    page: 1,
    pageSize: PAGE_SIZES[0],
    data: [],
    total: 0,
    loading: false,
    loaded: false,
    error: null,
    // what the rows on screen were fetched with (null before the first success)
    shown: null,
  });
  const state = {
    active: false,
    ...initialView(),
    selection: new Set(),
    editing: new Map(), // key → {name, desc, version, conflict, busy, focus}
    // status/progress changes not yet answered: key → [{id, changes, version, name}]
    unsent: new Map(),
    // the add being sent or last failed: {fingerprint of its values, its Idempotency-Key}
    lastAdd: null,
  };
  let loadSeq = 0;
  let abortLoad = null;
  let changeSeq = 0;

  const newTodo = createNewTodoForm({ onSubmit: create });
  const filters = createFilters({
    onChange: () => {
      state.page = 1;
      load({ where: 'filters' });
    },
  });
  const pager = createPagination({
    onPage: (page) => {
      state.page = page;
      load({ where: 'pager' });
    },
    onPageSize: (size) => {
      state.pageSize = size;
      state.page = 1;
      load({ where: 'pager' });
    },
    onRetry: retry,
  });
  const list = createTodoList({
    onRetry: retry,
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
    pager.render({ current: state.page, pageSize: state.pageSize, total: state.total, error: state.error });
    document.title = state.loaded ? `Todos (${state.total})` : 'Todos';
  }

  /** Repeat the request that failed (the page, size or filters the user asked for), or reload. */
  function retry() {
    const failed = state.error?.request;
    if (failed) {
      state.page = failed.page;
      state.pageSize = failed.pageSize;
      filters.set(failed.filters);
    }
    return load({ where: state.error?.where ?? 'list' });
  }

  /** The error text for a failed fetch of `request` while `shown` stays on screen. */
  function describeFailure(err, request, shown, where) {
    if (!shown) return `Could not load your todos: ${err.message}`;
    if (!sameFilters(request.filters, shown.filters)) {
      return `Could not apply the filters: ${err.message} The filters were set back to those of the todos shown.`;
    }
    if (request.pageSize !== shown.pageSize) {
      return `Could not show ${request.pageSize} per page: ${err.message} Still showing ${shown.pageSize} per page.`;
    }
    if (request.page !== shown.page) {
      return `Could not show page ${request.page}: ${err.message} Still showing page ${shown.page}.`;
    }
    return where === 'pager'
      ? `Could not load this page: ${err.message}`
      : `Could not load your todos: ${err.message} The list may be out of date.`;
  }

  /**
   * Fetch the current page with the current filters; newer fetches win over
   * older ones. `where` says where the user acted ('pager', 'filters' or
   * 'list'), which is where a failure is shown.
   */
  async function load({ where = 'list' } = {}) {
    if (!state.active) return false;
    const seq = ++loadSeq;
    if (abortLoad) abortLoad.abort();
    abortLoad = new AbortController();
    state.loading = true;
    render();
    const request = { page: state.page, pageSize: state.pageSize, filters: filters.get() };
    try {
      const { name, status } = request.filters;
      const res = await api.listTodos({ current: request.page, pageSize: request.pageSize, name, status }, abortLoad.signal);
      if (seq !== loadSeq || !state.active) return false;
      const data = Array.isArray(res.data) ? res.data : [];
      const total = Number(res.total) || 0;
      const lastPage = Math.max(1, Math.ceil(total / request.pageSize));
      if (data.length === 0 && request.page > lastPage) {
        state.page = lastPage; // the page emptied (deletes): show the last one that has items
        return load({ where });
      }
      const held = new Map(state.data.map((rule) => [rule.key, rule]));
      state.data = data.map((rule) => newer(held.get(rule.key), rule));
      state.total = total;
      state.error = null;
      state.loaded = true;
      state.shown = request;
      data.forEach(writes.rememberVersion);
      const visible = new Set(data.map((rule) => rule.key));
      for (const key of state.selection) if (!visible.has(key)) state.selection.delete(key);
      state.loading = false;
      render();
      return true;
    } catch (err) {
      if (seq !== loadSeq || !state.active || err.name === 'AbortError' || err.sessionExpired) return false;
      const shown = state.shown;
      state.error = {
        message: describeFailure(err, request, shown, where),
        where: shown ? where : 'list', // nothing shown yet: the list's own error state
        request,
        cause: err,
      };
      if (shown) {
        // put the controls back to what the rows on screen were fetched with
        state.page = shown.page;
        state.pageSize = shown.pageSize;
        // (unless the user has typed other filters since this request went out)
        if (sameFilters(filters.get(), request.filters)) filters.set(shown.filters);
      }
    }
    state.loading = false;
    render();
    return false;
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

  /** An onRetry for api.js writes: tells the user that `what` is being sent again. */
  const retryNotice = (what) => ({ attempt, attempts }) => {
    if (state.active) notify(`${what}: no clear answer from the server yet; trying again (attempt ${attempt} of ${attempts})…`, 'info');
  };

  /**
   * Add a todo. Its Idempotency-Key is kept after a failure (state.lastAdd),
   * so adding the same values again repeats that very write: if the failed
   * attempt did land, the server answers with that todo instead of making a
   * second one.
   */
  async function create(values) {
    const fingerprint = JSON.stringify(values);
    const idempotencyKey = state.lastAdd?.fingerprint === fingerprint ? state.lastAdd.key : api.newIdempotencyKey();
    state.lastAdd = { fingerprint, key: idempotencyKey };
    let ok = false;
    try {
      const rule = await api.createTodo(values, { idempotencyKey, onRetry: retryNotice(`Adding ${quote(values.name)}`) });
      state.lastAdd = null;
      writes.rememberVersion(rule);
      notify(`Added “${rule.name ?? values.name}”.`, 'success');
      state.page = 1; // newest first: the new todo is on page 1
      ok = true;
    } catch (err) {
      if (err.unconfirmed && state.active) {
        notify(
          `The server did not confirm adding ${quote(values.name)} (${err.reason}; ${plural(err.attempts, 'attempt')}); ` +
            'it may have been saved. Your text is kept: press “Add todo” again to make sure; it will not be added twice.',
          'error',
        );
      } else if (!err.sessionExpired && state.active) {
        notify(err.message, 'error');
      }
    }
    await load();
    return ok;
  }

  /**
   * Status or progress change of one todo. Until the server answers, the
   * change is in state.unsent, so a session that expires under it keeps it
   * in the draft (getDraft) instead of dropping it.
   */
  async function change(key, changes, { version } = {}) {
    const shownRule = findRule(key);
    const entry = {
      id: ++changeSeq,
      changes,
      version: version ?? writes.knownVersion(key) ?? shownRule?.version,
      name: shownRule?.name ?? '',
    };
    state.unsent.set(key, [...(state.unsent.get(key) ?? []), entry]);
    let result = null;
    try {
      const onRetry = retryNotice(`Saving ${quote(entry.name)}`);
      const { rule, sentVersion } = await writes.update(key, changes, version === undefined ? { onRetry } : { version, onRetry });
      showAnswer(rule);
      const edit = state.editing.get(key);
      if (edit && edit.version === sentVersion) edit.version = rule.version; // our own write: not a conflict
      const what = 'status' in changes ? `is now ${statusLabel(rule.status)}` : `is at ${rule.progress}%`;
      result = { ok: true, rule, text: `${quote(rule.name)} ${what}.` };
    } catch (err) {
      if (err.sessionExpired) return { expired: true }; // kept in the draft by main.js
      result = { ok: false, err };
    } finally {
      if (state.active) {
        const left = (state.unsent.get(key) ?? []).filter((e) => e.id !== entry.id);
        if (left.length) state.unsent.set(key, left);
        else state.unsent.delete(key);
      }
    }
    if (result.ok) notify(result.text, 'success');
    else await explainWriteError(result.err, key);
    await load();
    return result;
  }

  async function saveEdit(key, values) {
    const edit = state.editing.get(key);
    if (!edit) return;
    Object.assign(edit, values, { busy: true });
    render();
    try {
      const { rule } = await writes.update(key, values, {
        version: () => state.editing.get(key)?.version,
        onRetry: retryNotice(`Saving ${quote(values.name)}`),
      });
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
      const res = await api.deleteTodos(keys, { onRetry: retryNotice(`Deleting ${plural(keys.length, 'todo')}`) });
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

  /** Whether `key` is among the rows on screen. */
  const isShown = (key) => state.data.some((rule) => rule.key === key);

  /** The page (at the current page size, without filters) that holds `key`, or 0 if it is gone. */
  async function locate(key) {
    for (let current = 1; current <= LOCATE_PAGES; current += 1) {
      const res = await api.listTodos({ current, pageSize: 100 });
      const index = (res.data ?? []).findIndex((rule) => rule.key === key);
      if (index >= 0) return Math.floor(((current - 1) * 100 + index) / state.pageSize) + 1;
      if (current * 100 >= Number(res.total)) return 0;
    }
    return -1; // not within the pages searched
  }

  /**
   * After the first load of a restored draft: bring the first restored edit
   * into view, send the status/progress changes that the expired session
   * interrupted, and tell the user, in one message, what was restored.
   */
  async function finishRestore(draft, loaded) {
    const notes = [];
    let tone = 'info';
    const edits = (draft.edits ?? []).filter((edit) => state.editing.has(edit.key));
    if (loaded && edits.length && !edits.some((edit) => isShown(edit.key))) {
      const first = edits[0];
      try {
        if (filters.isActive()) {
          filters.reset();
          state.page = 1;
          if ((await load()) && isShown(first.key)) {
            notes.push('The filters were cleared so that your unsaved edit is in view.');
          }
        }
        if (!isShown(first.key) && state.active) {
          const page = await locate(first.key);
          if (page > 0) {
            state.page = page;
            if (await load()) notes.push(`Your unsaved edit is on page ${page}, shown now.`);
          } else if (page === 0) {
            state.editing.delete(first.key);
            notes.push(`Your edit of ${quote(first.name)} could not be restored: that todo was deleted.`);
            tone = 'warning';
          }
        }
      } catch (err) {
        if (err.sessionExpired || !state.active) return;
      }
      if (state.editing.has(first.key) && !isShown(first.key)) {
        notes.push('Your unsaved edit reappears when its todo is in the list.');
      }
      render();
    }
    if (edits.filter((edit) => state.editing.has(edit.key) && !isShown(edit.key)).length && edits.length > 1) {
      notes.push('Other restored edits reopen on their pages.');
    }
    for (const { key, name, changes, version } of draft.changes ?? []) {
      if (!state.active) return;
      const parts = [];
      if ('status' in changes) parts.push(`status change of ${quote(name)} to ${statusLabel(changes.status)}`);
      if ('progress' in changes) parts.push(`${parts.length ? '' : `progress change of ${quote(name)} `}to ${changes.progress}%`);
      const what = parts.join(' and progress ');
      const result = await change(key, changes, { version });
      if (!result || result.expired || !state.active) return;
      if (result.ok) notes.push(`Your ${what} was saved now.`);
      else {
        tone = 'warning';
        notes.push(
          result.err.status === 409
            ? `Your ${what} was not saved: someone else changed that todo in the meantime.`
            : `Your ${what} was not saved: ${result.err.message}`,
        );
      }
    }
    if (state.active) notify(['Welcome back. Your unsaved input was restored.', ...notes].join(' '), tone);
  }

  return {
    /**
     * Show the page for a freshly logged-in user, restoring `draft` (from
     * drafts.js) if given; resolves once the list (and the restore) is done.
     */
    async start(draft) {
      state.active = true;
      section.hidden = false;
      if (draft) {
        newTodo.applyDraft(draft.newTodo);
        state.lastAdd = draft.lastAdd ?? null;
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
      const loaded = await load();
      if (draft && draft.hasUnsavedInput && state.active) await finishRestore(draft, loaded);
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
      Object.assign(state, initialView());
      state.selection.clear();
      state.editing.clear();
      state.unsent.clear();
      state.lastAdd = null;
      pager.render({ current: 1, pageSize: PAGE_SIZES[0], total: 0 });
    },

    /**
     * The user's unsaved input: new-todo form, inline edits, status/progress
     * changes not yet answered, filters, page (as shown).
     */
    getDraft() {
      const edits = [...state.editing].map(([key, edit]) => ({ key, name: edit.name, desc: edit.desc, version: edit.version }));
      // one entry per todo: its unanswered changes merged, with the version of the first
      const changes = [...state.unsent]
        .filter(([, entries]) => entries.length)
        .map(([key, entries]) => ({
          key,
          name: entries[0].name,
          version: entries[0].version,
          changes: Object.assign({}, ...entries.map((e) => e.changes)),
        }));
      return {
        newTodo: newTodo.getDraft(),
        // the key of an add that may have landed, so that adding it again after login repeats it
        lastAdd: state.lastAdd,
        edits,
        changes,
        filters: filters.get(),
        page: state.page,
        pageSize: state.pageSize,
        hasUnsavedInput: Boolean(newTodo.getDraft()) || edits.length > 0 || changes.length > 0,
      };
    },
  };
}
