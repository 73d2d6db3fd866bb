/**
 * todo-item.js — one row of the todo list.
 *
 * Shows a todo (name, description, last change) with its controls: a
 * selection checkbox, a status select, a progress number (0–100) with a bar,
 * Edit and Delete buttons, or the inline editor while editing. update() patches
 * the existing elements instead of rebuilding them, so keyboard focus survives
 * a list refresh. A refresh never overwrites what the user is entering: not a
 * progress value typed but not yet committed, nor the status and progress
 * controls while the user's own changes of this todo are still being saved
 * (`saving`); and it leaves a control alone when its value is unchanged, so
 * the caret or selection in it stays where it was.
 */
import { h, uniqueId } from './dom.js';
import { statusLabel, statusOptions } from './status.js';
import { createInlineEditor } from './todo-editor.js';

function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * handlers: onSelect(key, checked), onStatus(key, status), onProgress(key, n),
 * onEdit(key), onDelete(key), onEditInput(key, {name, desc}),
 * onSave(key, {name, desc}), onCancel(key).
 */
export function createTodoItem(initial, handlers) {
  const key = initial.key;
  const statusId = uniqueId('todo-status');
  const progressId = uniqueId('todo-progress');
  let rule = initial;
  let editor = null;
  let progressDirty = false; // typed, not yet committed (change event)
  let saving = false; // the user's own writes of this todo are queued or in flight

  const select = h('input', { type: 'checkbox', class: 'todo-check', testid: 'todo-select' });
  const nameEl = h('h3', { class: 'todo-name', testid: 'todo-name' });
  const descEl = h('p', { class: 'todo-desc', testid: 'todo-desc' });
  const metaEl = h('p', { class: 'todo-meta', testid: 'todo-meta' });
  const progressBar = h('progress', { max: 100, 'aria-hidden': 'true', class: 'todo-bar' });
  const view = h('div', { class: 'todo-view' }, nameEl, descEl, metaEl, progressBar);
  const body = h('div', { class: 'todo-body' }, view);

  const statusSelect = h('select', { id: statusId, testid: 'todo-status' }, statusOptions(initial.status));
  const progressInput = h('input', {
    id: progressId,
    type: 'number',
    min: 0,
    max: 100,
    step: 1,
    inputmode: 'numeric',
    testid: 'todo-progress',
  });
  const editButton = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'todo-edit' }, 'Edit');
  const deleteButton = h('button', { type: 'button', class: 'btn btn-danger-outline', testid: 'todo-delete' }, 'Delete');

  const controls = h(
    'div',
    { class: 'todo-controls' },
    h('div', { class: 'field-inline' }, h('label', { for: statusId }, 'Status'), statusSelect),
    h('div', { class: 'field-inline' }, h('label', { for: progressId }, 'Progress'), progressInput),
    h('div', { class: 'todo-actions' }, editButton, deleteButton),
  );

  const el = h(
    'li',
    { class: 'todo', testid: 'todo-item', dataset: { key } },
    h('div', { class: 'todo-select' }, select),
    body,
    controls,
  );

  select.addEventListener('change', () => handlers.onSelect(key, select.checked));
  statusSelect.addEventListener('change', () => handlers.onStatus(key, Number(statusSelect.value)));
  progressInput.addEventListener('input', () => {
    progressDirty = true;
    progressInput.setCustomValidity('');
  });
  progressInput.addEventListener('change', () => {
    const value = Number(progressInput.value);
    if (progressInput.value === '' || !Number.isInteger(value) || value < 0 || value > 100) {
      progressInput.setCustomValidity('Progress must be a whole number from 0 to 100.');
      progressInput.reportValidity();
      return;
    }
    progressDirty = false;
    handlers.onProgress(key, value);
  });
  progressInput.addEventListener('blur', () => {
    if (!progressInput.validity.valid || progressDirty) {
      // leave the field with the server's value rather than an invalid or
      // uncommitted one (a committed value is being saved: keep it)
      progressInput.setCustomValidity('');
      progressDirty = false;
      if (!saving) setValue(progressInput, String(rule.progress));
    }
  });
  editButton.addEventListener('click', () => handlers.onEdit(key));
  deleteButton.addEventListener('click', () => handlers.onDelete(key));

  function syncEditor(edit) {
    if (edit && !editor) {
      editor = createInlineEditor({
        name: edit.name,
        desc: edit.desc,
        title: rule.name,
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
    }
    if (edit && editor) {
      editor.setConflict(edit.conflict);
      editor.setBusy(Boolean(edit.busy));
      if (edit.focus) {
        edit.focus = false;
        editor.focus();
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
    rule = next;
    saving = savingNow;
    const label = `“${rule.name}”`;
    el.dataset.status = String(rule.status);
    el.classList.toggle('is-selected', selected);
    nameEl.textContent = rule.name;
    descEl.textContent = rule.desc ?? '';
    descEl.hidden = !rule.desc;
    const when = formatTime(rule.updatedAt || rule.createdAt);
    metaEl.textContent = `${statusLabel(rule.status)} · ${rule.progress}%${when ? ` · updated ${when}` : ''}`;

    select.checked = selected;
    select.setAttribute('aria-label', `Select ${label}`);
    if (!saving) setValue(statusSelect, String(rule.status));
    statusSelect.setAttribute('aria-label', `Status of ${label}`);
    if (!progressDirty && !saving) {
      progressInput.setCustomValidity('');
      if (setValue(progressInput, String(rule.progress)) && document.activeElement === progressInput) {
        // someone else's value replaced the one in the focused field: select it,
        // so what the user types next replaces it instead of adding digits to it
        progressInput.select();
      }
    }
    progressInput.setAttribute('aria-label', `Progress of ${label}, in percent`);
    progressBar.value = rule.progress;
    editButton.setAttribute('aria-label', `Edit ${label}`);
    deleteButton.setAttribute('aria-label', `Delete ${label}`);
    syncEditor(editing);
  }

  update(initial, { selected: false, editing: null });
  return { el, key, update };
}
