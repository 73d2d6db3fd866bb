/**
 * dom.js — small DOM helpers shared by the views.
 *
 * h() builds elements without innerHTML, so text from the server or the user
 * is never parsed as HTML. byTestId() finds the static elements of index.html.
 * setShown() toggles the `hidden` attribute (no inline styles: the CSP forbids
 * them). uniqueId() makes ids for <label for>.
 */

/**
 * Create an element.
 * props: `class`, `testid`, `dataset` ({...}), `on<event>` listeners,
 * `value`/`checked` (set as properties after the children), any other key
 * becomes an attribute (true → empty attribute, false/null/undefined → skipped).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  let value;
  let checked;
  for (const [key, val] of Object.entries(props)) {
    if (val === undefined || val === null || val === false) continue;
    if (key === 'class') el.className = val;
    else if (key === 'testid') el.dataset.testid = val;
    else if (key === 'dataset') Object.assign(el.dataset, val);
    else if (key === 'value') value = val;
    else if (key === 'checked') checked = val;
    else if (key.startsWith('on') && typeof val === 'function') el.addEventListener(key.slice(2), val);
    else el.setAttribute(key, val === true ? '' : String(val));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  if (value !== undefined) el.value = String(value);
  if (checked !== undefined) el.checked = Boolean(checked);
  return el;
}

/** The element with this data-testid inside `root` (default: the document); throws if missing. */
export function byTestId(testid, root = document) {
  const el = root.querySelector(`[data-testid="${testid}"]`);
  if (!el) throw new Error(`index.html has no element with data-testid="${testid}"`);
  return el;
}

/** Show or hide an element with the hidden attribute. */
export function setShown(el, shown) {
  el.hidden = !shown;
}

let idCounter = 0;
/** A fresh id that is unique in this page, e.g. for <label for>. */
export function uniqueId(prefix = 'id') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** "1 todo" / "3 todos". */
export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}
