/**
 * todo-writes.js — sends changes of existing todos (PUT /api/rule).
 *
 * Writes to one todo go out one after another, each carrying the newest
 * `version` the page knows for that todo (from the list or from the answer
 * to the previous write). So a user's own quick successive changes never
 * conflict with each other, while a change made elsewhere in between still
 * gets the server's 409, which the caller shows to the user.
 *
 * pendingKeys() tells which todos still have writes queued or in flight, so
 * the list does not put a refreshed (older) value into a control whose newer
 * value the user has already committed and is still being saved.
 */
import * as api from './api.js';

const versions = new Map();
const queues = new Map();
const pending = new Map(); // key → number of writes queued or in flight
let epoch = 0;

/** Note the version of a todo seen from the server (keeps the newest). */
export function rememberVersion(rule) {
  if (!rule || rule.key === undefined || typeof rule.version !== 'number') return;
  const known = versions.get(rule.key);
  if (known === undefined || rule.version > known) versions.set(rule.key, rule.version);
}

/** The newest version known for todo `key`, or undefined. */
export function knownVersion(key) {
  return versions.get(key);
}

/** Forget everything (on logout or session expiry). */
export function forgetAll() {
  versions.clear();
  queues.clear();
  pending.clear();
  epoch += 1;
}

/** Keys of the todos that have writes queued or in flight. */
export function pendingKeys() {
  return new Set(pending.keys());
}

/**
 * Queue a PUT of `changes` for todo `key`. `version` may be a number or a
 * function called when the write is sent (default: the newest known version);
 * `onRetry` is told when api.js repeats the write after an uncertain answer.
 * Resolves to {rule, sentVersion}; rejects with the ApiError (409 = stale).
 */
export function update(key, changes, { version, onRetry } = {}) {
  const previous = queues.get(key) ?? Promise.resolve();
  const started = epoch;
  pending.set(key, (pending.get(key) ?? 0) + 1);
  const next = previous
    .catch(() => {})
    .then(async () => {
      try {
        const chosen = typeof version === 'function' ? version() : version;
        const sentVersion = chosen ?? versions.get(key);
        const body = { key, ...changes };
        if (sentVersion !== undefined) body.version = sentVersion;
        const rule = await api.updateTodo(body, { onRetry });
        rememberVersion(rule);
        return { rule, sentVersion };
      } finally {
        // settled before the caller resumes, so its re-render already sees it
        if (started === epoch) {
          const left = (pending.get(key) ?? 1) - 1;
          if (left > 0) pending.set(key, left);
          else pending.delete(key);
        }
      }
    });
  queues.set(key, next);
  next
    .catch(() => {})
    .finally(() => {
      if (queues.get(key) === next) queues.delete(key);
    });
  return next;
}
