/**
 * new-todo-form.js — the "Add a todo" form (name, description, status,
 * progress). It validates what the contract requires (name 1–200 characters
 * after trimming, description up to 2000, counted in code points as the
 * server does — see limits.js — and progress a whole number 0–100), shows
 * live counters and a labelled error above the button, hands the values to
 * onSubmit(values) → Promise<boolean>, and clears itself only when that
 * succeeded, so a failed or expired-session add keeps the user's text.
 * getDraft()/applyDraft() expose the unsaved input for drafts.js.
 */
import { byTestId } from './dom.js';
import { statusOptions } from './status.js';
import { attachCounter, checkCounters, NAME_MAX, DESC_MAX } from './limits.js';

export function createNewTodoForm({ onSubmit }) {
  const form = byTestId('new-todo-form');
  const name = byTestId('new-todo-name', form);
  const desc = byTestId('new-todo-desc', form);
  const status = byTestId('new-todo-status', form);
  const progress = byTestId('new-todo-progress', form);
  const submit = byTestId('new-todo-submit', form);
  const errorBox = byTestId('new-todo-error', form);
  let busy = false;

  status.replaceChildren(...statusOptions(0));
  const nameCounter = attachCounter(name, { label: 'Name', max: NAME_MAX, min: 1, id: 'new-name-count', testid: 'new-todo-name-count' });
  const descCounter = attachCounter(desc, { label: 'Description', max: DESC_MAX, id: 'new-desc-count', testid: 'new-todo-desc-count' });

  function showErrors(messages) {
    errorBox.textContent = messages.join(' ');
    errorBox.hidden = messages.length === 0;
  }

  for (const field of [name, desc]) {
    field.addEventListener('input', () => {
      if (!errorBox.hidden) showErrors([nameCounter.check(), descCounter.check()].filter(Boolean));
    });
  }

  function reset() {
    name.value = '';
    desc.value = '';
    status.value = '0';
    progress.value = '0';
    showErrors([]);
    nameCounter.update();
    descCounter.update();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    const { messages, first } = checkCounters([
      [name, nameCounter],
      [desc, descCounter],
    ]);
    if (first) {
      showErrors(messages);
      first.focus();
      return;
    }
    showErrors([]);
    const values = {
      name: name.value.trim(),
      desc: desc.value.trim(),
      status: Number(status.value),
      progress: Number(progress.value),
    };
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
      nameCounter.update();
      descCounter.update();
    },
  };
}
