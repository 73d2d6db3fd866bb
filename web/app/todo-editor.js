/**
 * todo-editor.js — the inline editor of one todo's name and description.
 *
 * A small form (labelled inputs, Save and Cancel buttons; Enter in the name
 * saves, Escape cancels) that reports every keystroke through onInput so the
 * page can keep the unsaved text (drafts.js), and shows a conflict note when
 * someone else changed the todo meanwhile.
 */
import { h, uniqueId } from './dom.js';

export function createInlineEditor({ name, desc, title, onInput, onSave, onCancel }) {
  const nameId = uniqueId('edit-name');
  const descId = uniqueId('edit-desc');

  const conflict = h('p', { class: 'alert', testid: 'todo-edit-conflict', 'data-tone': 'warning', role: 'alert', hidden: true });
  const nameInput = h('input', {
    id: nameId,
    testid: 'todo-edit-name',
    required: true,
    maxlength: 200,
    autocomplete: 'off',
    value: name,
  });
  const descInput = h('textarea', { id: descId, testid: 'todo-edit-desc', maxlength: 2000, rows: 3, value: desc });
  const save = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'todo-edit-save' }, 'Save');
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'todo-edit-cancel' }, 'Cancel');

  const form = h(
    'form',
    { class: 'todo-editor stack', testid: 'todo-editor', 'aria-label': `Edit “${title}”` },
    conflict,
    h('div', { class: 'field' }, h('label', { for: nameId }, 'Name'), nameInput),
    h('div', { class: 'field' }, h('label', { for: descId }, 'Description'), descInput),
    h('div', { class: 'editor-actions' }, save, cancel),
  );

  const report = () => onInput({ name: nameInput.value, desc: descInput.value });
  nameInput.addEventListener('input', () => {
    nameInput.setCustomValidity('');
    report();
  });
  descInput.addEventListener('input', report);
  cancel.addEventListener('click', () => onCancel());
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      onCancel();
    }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (form.getAttribute('aria-busy') === 'true') return;
    const values = { name: nameInput.value.trim(), desc: descInput.value.trim() };
    if (!values.name) {
      nameInput.setCustomValidity('Please enter a name for the todo.');
      nameInput.reportValidity();
      return;
    }
    onSave(values);
  });

  return {
    el: form,
    focus() {
      nameInput.focus();
      nameInput.select();
    },
    setConflict(text) {
      conflict.textContent = text ?? '';
      conflict.hidden = !text;
    },
    setBusy(busy) {
      if (busy) form.setAttribute('aria-busy', 'true');
      else form.removeAttribute('aria-busy');
    },
  };
}
