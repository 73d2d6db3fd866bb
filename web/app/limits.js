/**
 * limits.js — the contract's text limits, counted the way the server counts
 * them: in Unicode code points (Rust's `chars().count()`), not in the UTF-16
 * units that the HTML `maxlength` attribute counts (an emoji is 1 code point
 * but 2 UTF-16 units). So the fields have no `maxlength`; instead each gets a
 * live counter under it ("12 / 200 characters") that turns into a labelled
 * error when the text is too long, and checkLength() is run before a submit.
 */

export const NAME_MAX = 200;
export const DESC_MAX = 2000;

/** The number of Unicode code points in `text` (what the server counts). */
export function codePoints(text) {
  let n = 0;
  for (const _ of String(text ?? '')) n += 1; // the string iterator walks code points
  return n;
}

/**
 * The error message for `text` in the field `label`, or '' when it fits.
 * `min` is 1 for required fields. `trim` counts what will be sent.
 */
export function lengthError(label, text, { max, min = 0, trim = true }) {
  const value = trim ? String(text ?? '').trim() : String(text ?? '');
  const n = codePoints(value);
  if (n < min) return `${label} must not be empty.`;
  if (n > max) return `${label} is ${n} characters long; the limit is ${max}. Remove ${n - max} to save.`;
  return '';
}

/**
 * Adds a counter below `field` (an input or textarea) and keeps it current.
 * The counter is linked with aria-describedby. While the text is too long the
 * field is aria-invalid and the counter says so (data-state="over").
 * Returns {update(), check() → message or '', el}: check() also marks the field.
 */
export function attachCounter(field, { label, max, min = 0, id, testid }) {
  const counter = document.createElement('p');
  counter.className = 'hint counter';
  counter.id = id;
  if (testid) counter.dataset.testid = testid;
  field.insertAdjacentElement('afterend', counter);
  const describedBy = new Set((field.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean));
  describedBy.add(id);
  field.setAttribute('aria-describedby', [...describedBy].join(' '));

  function update() {
    const n = codePoints(field.value.trim());
    const over = n > max;
    counter.textContent = over
      ? `${label}: ${n} / ${max} characters — ${n - max} too many`
      : `${n} / ${max} characters`;
    counter.dataset.state = over ? 'over' : n > max * 0.9 ? 'near' : 'ok';
    if (over) field.setAttribute('aria-invalid', 'true');
    else if (field.getAttribute('aria-invalid') === 'true' && !field.validationMessage) field.removeAttribute('aria-invalid');
    return over;
  }

  field.addEventListener('input', update);
  update();

  return {
    el: counter,
    update,
    /** The error for the current value ('' when it fits); marks the field when there is one. */
    check() {
      update();
      const message = lengthError(label, field.value, { max, min });
      if (message) field.setAttribute('aria-invalid', 'true');
      return message;
    },
  };
}

/**
 * Runs check() on the counter of each [field, counter] pair. Returns the
 * messages of the fields that do not fit and the first such field (null when
 * every field fits), for the form to show and focus.
 */
export function checkCounters(pairs) {
  const problems = pairs.map(([field, counter]) => [field, counter.check()]).filter(([, message]) => message);
  return { messages: problems.map(([, message]) => message), first: problems[0]?.[0] ?? null };
}
