/**
 * todo-item.js — one row of the todo list.
 *
 * Shows a todo (name, description, last change) with its controls: a
 * selection checkbox (in a padded label, a 24px+ target), a status select, a
 * progress number (0–100) with a bar, Edit and Delete buttons, or the inline
 * editor while editing. The controls are named with aria-labelledby pointing
 * at the row's name element ("Delete" + name), so a 200-character name is
 * not copied into five attributes. A long description is clamped to a few
 * lines with a "Show more" toggle.
 *
 * update() patches the existing elements instead of rebuilding them, so
 * keyboard focus survives a list refresh. A refresh never overwrites what the
 * user is entering: not a progress value typed but not yet committed (or
 * invalid), nor the status and progress controls while the user's own changes
 * of this todo are still being saved (`saving`); and it leaves a control
 * alone when its value is unchanged, so the caret or selection in it stays
 * where it was.
 *
 * An invalid progress (not a whole number 0–100) is not sent: the field is
 * marked aria-invalid with a message under it, and focus moves on as usual
 * (Tab is never swallowed). Escape in the field puts the saved value back.
 */
import { h, uniqueId } from './dom.js';
import { statusLabel, statusOptions } from './status.js';
import { createInlineEditor } from './todo-editor.js';

const PROGRESS_MESSAGE = 'Progress must be a whole number from 0 to 100.';

function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** The progress typed in `input` as a number, or null if it is not a whole number 0–100. */
function parseProgress(input) {
  const raw = input.value.trim();
  if (raw === '' || input.validity.badInput) return null;
  const value = Number(raw);
  return Number.isInteger(value) && value >= 0 && value <= 100 ? value : null;
}

// One observer for every row: re-checks whether a clamped description overflows.
const clampObserver =
  typeof ResizeObserver === 'function'
    ? new ResizeObserver((entries) => {
        for (const entry of entries) entry.target.todoClampCheck?.();
      })
    : null;

/**
 * handlers: onSelect(key, checked), onStatus(key, status), onProgress(key, n),
 * onEdit(key), onDelete(key), onEditInput(key, {name, desc}),
 * onSave(key, {name, desc}), onCancel(key).
 */
export function createTodoItem(initial, handlers) {
  const key = initial.key;
  const nameId = uniqueId('todo-name');
  const descId = uniqueId('todo-desc');
  const selectTextId = uniqueId('todo-select-text');
  const statusId = uniqueId('todo-status');
  const statusLabelId = uniqueId('todo-status-label');
  const progressId = uniqueId('todo-progress');
  const progressLabelId = uniqueId('todo-progress-label');
  const progressErrorId = uniqueId('todo-progress-error');
  const editId = uniqueId('todo-edit');
  const deleteId = uniqueId('todo-delete');
  let rule = initial;
  let editor = null;
  let progressDirty = false; // typed, not yet committed (change event), or invalid
  let saving = false; // the user's own writes of this todo are queued or in flight
  let expanded = false;

  const select = h('input', {
    type: 'checkbox',
    class: 'todo-check',
    testid: 'todo-select',
    'aria-labelledby': `${selectTextId} ${nameId}`,
  });
  const selectLabel = h(
    'label',
    { class: 'todo-select' },
    select,
    h('span', { id: selectTextId, class: 'visually-hidden' }, 'Select'),
  );
  const nameEl = h('h3', { id: nameId, class: 'todo-name', testid: 'todo-name' });
  const descEl = h('p', { id: descId, class: 'todo-desc', testid: 'todo-desc' });
  const moreButton = h(
    'button',
    { type: 'button', class: 'btn-link todo-more', testid: 'todo-desc-toggle', 'aria-controls': descId, 'aria-expanded': 'false', hidden: true },
    'Show more',
  );
  const metaEl = h('p', { class: 'todo-meta', testid: 'todo-meta' });
  const progressBar = h('progress', { max: 100, 'aria-hidden': 'true', class: 'todo-bar' });
  const view = h('div', { class: 'todo-view' }, nameEl, descEl, moreButton, metaEl, progressBar);
  const body = h('div', { class: 'todo-body' }, view);

  const statusSelect = h(
    'select',
    { id: statusId, testid: 'todo-status', 'aria-labelledby': `${statusLabelId} ${nameId}` },
    statusOptions(initial.status),
  );
  const progressInput = h('input', {
    id: progressId,
    type: 'number',
    min: 0,
    max: 100,
    step: 1,
    inputmode: 'numeric',
    testid: 'todo-progress',
    'aria-labelledby': `${progressLabelId} ${nameId}`,
  });
  const progressError = h('p', { id: progressErrorId, class: 'field-error', testid: 'todo-progress-error', role: 'alert', hidden: true });
  const editButton = h(
    'button',
    { type: 'button', id: editId, class: 'btn btn-secondary', testid: 'todo-edit', 'aria-labelledby': `${editId} ${nameId}` },
    'Edit',
  );
  const deleteButton = h(
    'button',
    { type: 'button', id: deleteId, class: 'btn btn-danger-outline', testid: 'todo-delete', 'aria-labelledby': `${deleteId} ${nameId}` },
    'Delete',
  );

  const controls = h(
    'div',
    { class: 'todo-controls' },
    h('div', { class: 'field-inline' }, h('label', { for: statusId, id: statusLabelId }, 'Status'), statusSelect),
    h(
      'div',
      { class: 'field-inline' },
      h('label', { for: progressId, id: progressLabelId }, 'Progress'),
      progressInput,
      h('span', { class: 'unit', 'aria-hidden': 'true' }, '%'),
    ),
    h('div', { class: 'todo-actions' }, editButton, deleteButton),
    progressError,
  );

  const el = h('li', { class: 'todo', testid: 'todo-item', dataset: { key } }, selectLabel, body, controls);

  function showProgressError(message) {
    progressError.textContent = message;
    progressError.hidden = !message;
    if (message) {
      progressInput.setAttribute('aria-invalid', 'true');
      progressInput.setAttribute('aria-describedby', progressErrorId);
    } else {
      progressInput.removeAttribute('aria-invalid');
      progressInput.removeAttribute('aria-describedby');
    }
  }

  /** Put the saved progress back into the field (Escape, or a refresh). */
  function revertProgress() {
    progressDirty = false;
    showProgressError('');
    setValue(progressInput, String(rule.progress));
  }

  select.addEventListener('change', () => handlers.onSelect(key, select.checked));
  statusSelect.addEventListener('change', () => handlers.onStatus(key, Number(statusSelect.value)));
  progressInput.addEventListener('input', () => {
    progressDirty = true;
    if (!progressError.hidden && parseProgress(progressInput) !== null) showProgressError('');
  });
  progressInput.addEventListener('change', () => {
    const value = parseProgress(progressInput);
    if (value === null) {
      // not sent; the field keeps what was typed so it can be corrected, and focus moves on
      const typed = progressInput.value.trim();
      showProgressError(`${PROGRESS_MESSAGE} ${typed ? `“${typed}” was` : 'An empty value was'} not saved; it is still ${rule.progress}%.`);
      return;
    }
    progressDirty = false;
    showProgressError('');
    if (value !== rule.progress || saving) handlers.onProgress(key, value);
  });
  progressInput.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && (progressDirty || !progressError.hidden)) {
      event.preventDefault();
      revertProgress();
    }
  });
  progressInput.addEventListener('blur', () => {
    // typed back to the saved value without a change event: nothing pending
    if (progressError.hidden && parseProgress(progressInput) === rule.progress) progressDirty = false;
  });
  editButton.addEventListener('click', () => handlers.onEdit(key));
  deleteButton.addEventListener('click', () => handlers.onDelete(key));
  moreButton.addEventListener('click', () => {
    expanded = !expanded;
    applyClamp();
  });

  function applyClamp() {
    descEl.classList.toggle('is-clamped', !expanded);
    moreButton.textContent = expanded ? 'Show less' : 'Show more';
    moreButton.setAttribute('aria-expanded', String(expanded));
    checkClamp();
  }

  /** Show the toggle only when the clamped description actually hides text. */
  function checkClamp() {
    if (descEl.hidden || !el.isConnected) {
      if (descEl.hidden) moreButton.hidden = true;
      return;
    }
    const overflowing = descEl.classList.contains('is-clamped') && descEl.scrollHeight > descEl.clientHeight + 1;
    moreButton.hidden = !(overflowing || expanded);
  }
  descEl.todoClampCheck = checkClamp;
  clampObserver?.observe(descEl);

  function syncEditor(edit) {
    if (edit && !editor) {
      editor = createInlineEditor({
        name: edit.name,
        desc: edit.desc,
        labelledBy: nameId,
        onInput: (values) => handlers.onEditInput(key, values),
        onSave: (values) => handlers.onSave(key, values),
        onCancel: () => handlers.onCancel(key),
      });
      view.hidden = true;
      editButton.hidden = true;
      body.append(editor.el);
    } else if (!edit && editor) {
      const hadFocus = editor.el.contains(document.activeElement);
      editor.el.remove();
      editor = null;
      view.hidden = false;
      editButton.hidden = false;
      if (hadFocus) editButton.focus();
      checkClamp();
    }
    if (edit && editor) {
      editor.setConflict(edit.conflict);
      editor.setBusy(Boolean(edit.busy));
      if (edit.focus) {
        edit.focus = false;
        editor.focus();
        editor.el.scrollIntoView({ block: 'nearest' });
      }
    }
  }

  /** Set a control's value only if it differs, so an unchanged refresh keeps its caret and selection. */
  function setValue(control, value) {
    if (control.value === value) return false;
    control.value = value;
    return true;
  }

  function update(next, { selected, editing, saving: savingNow = false }) {
    const descChanged = (rule.desc ?? '') !== (next.desc ?? '');
    rule = next;
    saving = savingNow;
    el.dataset.status = String(rule.status);
    el.classList.toggle('is-selected', selected);
    nameEl.textContent = rule.name;
    descEl.textContent = rule.desc ?? '';
    descEl.hidden = !rule.desc;
    const when = formatTime(rule.updatedAt || rule.createdAt);
    metaEl.textContent = `${statusLabel(rule.status)} · ${rule.progress}%${when ? ` · updated ${when}` : ''}`;

    select.checked = selected;
    if (!saving) setValue(statusSelect, String(rule.status));
    if (!progressDirty && !saving) {
      showProgressError('');
      if (setValue(progressInput, String(rule.progress)) && document.activeElement === progressInput) {
        // someone else's value replaced the one in the focused field: select it,
        // so what the user types next replaces it instead of adding digits to it
        progressInput.select();
      }
    }
    progressBar.value = rule.progress;
    syncEditor(editing);
    if (descChanged) {
      expanded = false;
      applyClamp();
    }
  }

  update(initial, { selected: false, editing: null });
  applyClamp(); // measured again by the observer once the row is laid out
  return { el, key, update, checkClamp };
}
