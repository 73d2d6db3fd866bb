/**
 * status.js — the four todo statuses of the contract (0 to do, 1 in progress,
 * 2 done, 3 blocked), their labels, and <option> lists for status selects.
 */
import { h } from './dom.js';

export const STATUSES = Object.freeze([
  { value: 0, label: 'To do' },
  { value: 1, label: 'In progress' },
  { value: 2, label: 'Done' },
  { value: 3, label: 'Blocked' },
]);

/** The label of a status number, e.g. 2 → "Done". */
export function statusLabel(value) {
  const found = STATUSES.find((s) => s.value === Number(value));
  return found ? found.label : `Status ${value}`;
}

/** <option> elements for a <select>, with `selected` chosen. */
export function statusOptions(selected = 0) {
  return STATUSES.map((s) => h('option', { value: s.value, selected: s.value === Number(selected) }, s.label));
}
