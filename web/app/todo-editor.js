/**
 * todo-editor.js — the inline editor of one todo's name and description.
 *
 * A small form (labelled inputs with live "n / max characters" counters,
 * Save and Cancel buttons; Enter in the name saves, Escape cancels) that
 * reports every keystroke through onInput so the page can keep the unsaved
 * text (drafts.js), checks the contract's limits in code points as the server
 * counts them (limits.js; no maxlength, which counts UTF-16 units), and shows
 * a conflict note when someone else changed the todo meanwhile. The form is
 * named by the todo's name element (aria-labelledby), not by a copy of it.
 */
import { h, uniqueId } from './dom.js';
import { attachCounter, checkCounters, NAME_MAX, DESC_MAX } from './limits.js';

export function createInlineEditor({ name, desc, labelledBy, onInput, onSave, onCancel }) {
  const nameId = uniqueId('edit-name');
  const descId = uniqueId('edit-desc');
  const titleId = uniqueId('edit-title');

  const conflict = h('p', { class: 'alert', testid: 'todo-edit-conflict', 'data-tone': 'warning', role: 'alert', hidden: true });
  const errors = h('p', { class: 'alert field-errors', testid: 'todo-edit-error', 'data-tone': 'error', role: 'alert', hidden: true });
  const nameInput = h('input', {
    id: nameId,
    testid: 'todo-edit-name',
    required: true,
    autocomplete: 'off',
    value: name,
  });
  const descInput = h('textarea', { id: descId, testid: 'todo-edit-desc', rows: 3, value: desc });
  const save = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'todo-edit-save' }, 'Save');
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'todo-edit-cancel' }, 'Cancel');

  const nameField = h('div', { class: 'field' }, h('label', { for: nameId }, 'Name'), nameInput);
  const descField = h('div', { class: 'field' }, h('label', { for: descId }, 'Description'), descInput);
  const form = h(
    'form',
    { class: 'todo-editor stack', testid: 'todo-editor', 'aria-labelledby': `${titleId} ${labelledBy}` },
    h('span', { id: titleId, class: 'visually-hidden' }, 'Edit'),
    conflict,
    nameField,
    descField,
    errors,
    h('div', { class: 'editor-actions' }, save, cancel),
  );
  const nameCounter = attachCounter(nameInput, { label: 'Name', max: NAME_MAX, min: 1, id: `${nameId}-count`, testid: 'todo-edit-name-count' });
  const descCounter = attachCounter(descInput, { label: 'Description', max: DESC_MAX, id: `${descId}-count`, testid: 'todo-edit-desc-count' });

  function showErrors(messages) {
    errors.textContent = messages.join(' ');
    errors.hidden = messages.length === 0;
  }

  const report = () => {
    if (!errors.hidden) showErrors([nameCounter.check(), descCounter.check()].filter(Boolean));
    onInput({ name: nameInput.value, desc: descInput.value });
  };
  nameInput.addEventListener('input', report);
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
    const { messages, first } = checkCounters([
      [nameInput, nameCounter],
      [descInput, descCounter],
    ]);
    if (first) {
      showErrors(messages);
      first.focus();
      return;
    }
    showErrors([]);
    onSave({ name: nameInput.value.trim(), desc: descInput.value.trim() });
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
