//! Each user's `STATE` item: their open [`sessions`], whether the account is closed, and
//! how many todos they have. One item, because every request needs it (the session
//! check, a list's `total`); the counters change only in the transaction that changes
//! the todos (`state_action`).

pub mod sessions;

use super::StoreError;
use super::expression::Expression;
use super::items::{STATUSES, StateItem, n};
use super::keys::Key;
use super::transaction::Transaction;
use crate::auth::session::AuthenticatedUser;
use crate::domain::Status;
use crate::time::now_epoch_seconds;

/// What a write changes in a user's counters, per status (`cAll` by their sum).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CountChange {
    by_status: [i64; STATUSES],
}

#[allow(missing_docs)]
impl CountChange {
    pub fn created(status: Status) -> Self {
        Self::one(status, 1)
    }

    pub fn deleted(status: Status) -> Self {
        Self::one(status, -1)
    }

    pub fn moved(from: Status, to: Status) -> Self {
        Self::deleted(from).plus(Self::created(to))
    }

    pub fn plus(mut self, other: Self) -> Self {
        for (mine, theirs) in self.by_status.iter_mut().zip(other.by_status) {
            *mine += theirs;
        }
        self
    }

    fn one(status: Status, delta: i64) -> Self {
        let mut by_status = [0; STATUSES];
        by_status[usize::from(status.code())] = delta;
        Self { by_status }
    }
}

/// The condition that `session_id` is open: listed, unexpired, the account not closed.
fn session_open(session_id: &str) -> Expression {
    Expression::new(
        "attribute_exists(#session) AND #session > :now AND attribute_not_exists(closedAt)",
    )
    .name("#session", StateItem::session_attribute(session_id))
    .value(":now", n(now_epoch_seconds()))
}

/// Adds `change` to the counters (or nothing) on the condition that `owner`'s session is
/// open; the action's failure means [`StoreError::SessionEnded`].
pub(crate) fn state_action(
    transaction: &mut Transaction,
    owner: &AuthenticatedUser,
    change: CountChange,
) -> Result<usize, StoreError> {
    let key = Key::state(&owner.id);
    let condition = session_open(&owner.session_id);
    if change == CountChange::default() {
        return transaction.check(&key, condition);
    }
    // `cAll` is the reserved word CALL to DynamoDB: it goes by a placeholder.
    let mut update = Expression::new("ADD #all :all")
        .name("#all", "cAll")
        .value(":all", n(change.by_status.iter().sum::<i64>()));
    for (code, delta) in change.by_status.iter().enumerate() {
        if *delta != 0 {
            update.text.push_str(&format!(", c{code} :c{code}"));
            update = update.value(format!(":c{code}"), n(delta));
        }
    }
    transaction.update(&key, update, condition)
}
