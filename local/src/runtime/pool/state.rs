//! The pool's state and its one lock.
//!
//! What a pool keeps (its [`Instances`], the [`Queue`] of waiting requests and the open
//! [`Invocations`]) lives in one [`State`] behind one mutex. The lock is held for
//! bookkeeping only: never across an `await`, a process start, a `/proc` read or a log
//! write. Such work is collected as [`Effects`](super::effects::Effects) while the lock
//! is held and done once it is released; [`assert_unlocked`] checks that in debug builds
//! (the tests), at every place that does such work.

use std::cell::Cell;
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard};

use super::invocations::Invocations;
use super::lifecycle::Instances;
use super::scheduling::Queue;

thread_local! {
    /// How many pool locks this thread holds now.
    static HELD: Cell<usize> = const { Cell::new(0) };
}

/// Everything a pool keeps, under its lock.
pub(super) struct State {
    /// Live instances and the starts in progress.
    pub(super) instances: Instances,
    /// Requests waiting for a slot.
    pub(super) queue: Queue,
    /// Invocations handed to an instance and not yet answered.
    pub(super) invocations: Invocations,
}

/// The lock around a pool's [`State`].
pub(super) struct Shared(Mutex<State>);

impl Shared {
    /// A lock around `state`.
    pub(super) fn new(state: State) -> Self {
        Self(Mutex::new(state))
    }

    /// Takes the lock. A panic while it was held leaves plain counters behind: keep serving.
    pub(super) fn lock(&self) -> Locked<'_> {
        let guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        HELD.with(|held| held.set(held.get() + 1));
        Locked(guard)
    }
}

/// The held lock; the thread counts it as held until it is dropped.
pub(super) struct Locked<'a>(MutexGuard<'a, State>);

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        HELD.with(|held| held.set(held.get().saturating_sub(1)));
    }
}

impl Deref for Locked<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        &self.0
    }
}

impl DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.0
    }
}

/// Debug builds: panics when this thread holds a pool's lock while about to do `what`
/// (start a process, read `/proc`, write a log line).
pub(super) fn assert_unlocked(what: &str) {
    debug_assert_eq!(
        HELD.with(Cell::get),
        0,
        "{what} while a pool's lock is held"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared() -> Shared {
        Shared::new(State {
            instances: Instances::new(1),
            queue: Queue::default(),
            invocations: Invocations::default(),
        })
    }

    #[test]
    fn the_lock_counts_as_held_until_dropped() {
        let shared = shared();
        assert_unlocked("nothing");
        let guard = shared.lock();
        assert_eq!(HELD.with(Cell::get), 1);
        drop(guard);
        assert_unlocked("nothing");
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "writing a log line while a pool's lock is held")]
    fn work_under_the_lock_is_caught() {
        let shared = shared();
        let _guard = shared.lock();
        assert_unlocked("writing a log line");
    }
}
