/**
 * new-todo-form.js — the "Add a todo" form (name, description, status,
 * progress). It validates what the contract requires (name 1–200 characters
 * after trimming, progress a whole number 0–100), hands the values to
 * onSubmit(values) → Promise<boolean>, and clears itself only when that
 * succeeded, so a failed or expired-session add keeps the user's text.
 * getDraft()/applyDraft() expose the unsaved input for drafts.js.
 */
import { byTestId } from './dom.js';
import { statusOptions } from './status.js';

export function createNewTodoForm({ onSubmit }) {
  const form = byTestId('new-todo-form');
  const name = byTestId('new-todo-name', form);
  const desc = byTestId('new-todo-desc', form);
  const status = byTestId('new-todo-status', form);
  const progress = byTestId('new-todo-progress', form);
  const submit = byTestId('new-todo-submit', form);
  let busy = false;

  status.replaceChildren(...statusOptions(0));

  name.addEventListener('input', () => name.setCustomValidity(''));

  function reset() {
    name.value = '';
    desc.value = '';
    status.value = '0';
    progress.value = '0';
    name.setCustomValidity('');
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    const values = {
      name: name.value.trim(),
      desc: desc.value.trim(),
      status: Number(status.value),
      progress: Number(progress.value),
    };
    if (!values.name) {
      name.setCustomValidity('Please enter a name for the todo.');
      name.reportValidity();
      return;
    }
    busy = true;
    form.setAttribute('aria-busy', 'true');
    submit.setAttribute('aria-disabled', 'true');
    try {
      if (await onSubmit(values)) {
        reset();
        name.focus();
      }
    } finally {
      busy = false;
      form.removeAttribute('aria-busy');
      submit.removeAttribute('aria-disabled');
    }
  });

  return {
    reset,
    focus() {
      name.focus();
    },
    /** The unsaved input, or null when the form is untouched. */
    getDraft() {
      const draft = { name: name.value, desc: desc.value, status: status.value, progress: progress.value };
      const untouched = !draft.name && !draft.desc && draft.status === '0' && draft.progress === '0';
      return untouched ? null : draft;
    },
    applyDraft(draft) {
      if (!draft) return;
      name.value = draft.name ?? '';
      desc.value = draft.desc ?? '';
      status.value = String(draft.status ?? '0');
      progress.value = String(draft.progress ?? '0');
    },
  };
}
