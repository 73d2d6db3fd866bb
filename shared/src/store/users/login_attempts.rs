//! The login throttle: at most `max` attempts per name and window, exact under
//! concurrency. An attempt is reserved before its password is checked, by a
//! conditional write on the name's `LOGINFAIL` item, so parallel attempts cannot all
//! pass a check that ran before any of them was counted (the steps:
//! [`UserStore::reserve_login_attempt`]).
//!
//! DynamoDB checks and applies each condition atomically on the one item, so at most
//! `max` reservations succeed per window whatever the interleaving: only one `PutItem`
//! can open a window (once it has, the window is current and the condition fails for
//! the others), and every `ADD` needs `failures < max`. The item expires by TTL when
//! its window is over. A successful login deletes the item
//! ([`UserStore::clear_login_attempts`]); the policy is the login handler's.

use std::time::Duration;

use super::UserStore;
use crate::store::StoreError;
use crate::store::expression::Expression;
use crate::store::items::{LoginAttemptsItem, n, to_item};
use crate::store::keys::Key;
use crate::time::now_epoch_seconds;

/// How many times a reservation tries before it is refused as contended.
const RESERVATION_ROUNDS: usize = 3;

/// Why no login attempt could be reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptRefused {
    /// Every attempt of the current window is used up.
    Exhausted {
        /// When the window ends and attempts are possible again, seconds since the epoch.
        window_end: u64,
    },
    /// Other attempts for the name kept changing its counter; retry in a moment.
    Contended,
}

impl UserStore {
    /// Reserves one login attempt for a (case-folded) name: at most `max` per `window`.
    pub async fn reserve_login_attempt(
        &self,
        normalized_name: &str,
        max: u32,
        window: Duration,
    ) -> Result<Result<(), AttemptRefused>, StoreError> {
        let key = Key::login_attempts(normalized_name);
        for _ in 0..RESERVATION_ROUNDS {
            let now = now_epoch_seconds();
            let open_after = now.saturating_sub(window.as_secs());
            // 1: a new window with this attempt in it, if there is no current window.
            let item = to_item(&LoginAttemptsItem {
                key: key.clone(),
                failures: 1,
                window_start: now,
                expires_at: now + window.as_secs(),
            })?;
            let no_window = Expression::new("attribute_not_exists(pk) OR windowStart <= :open")
                .value(":open", n(open_after));
            if self.datastore.put(item, no_window).await? {
                return Ok(Ok(()));
            }
            // 2: this attempt counted in the current window, if it has room.
            let room = Expression::new("windowStart > :open AND failures < :max")
                .value(":open", n(open_after))
                .value(":max", n(max));
            let count = Expression::new("ADD failures :one").value(":one", n(1));
            if self.datastore.update(&key, count, room).await? {
                return Ok(Ok(()));
            }
            // 3: a current, full window is a refusal until it ends; anything else means
            // the window rolled over (or a login cleared it) between 1 and 2: again.
            // After a few rounds (only parallel logins for one name get there) the
            // attempt is refused as contended: the throttle never lets one through unsure.
            let Some(attempts) = self.datastore.read::<LoginAttemptsItem>(&key).await? else {
                continue;
            };
            if attempts.window_start > open_after && attempts.failures >= max {
                return Ok(Err(AttemptRefused::Exhausted {
                    window_end: attempts.window_start + window.as_secs(),
                }));
            }
        }
        Ok(Err(AttemptRefused::Contended))
    }

    /// Forgets the login attempts of a name (after a successful login).
    pub async fn clear_login_attempts(&self, normalized_name: &str) -> Result<(), StoreError> {
        let key = Key::login_attempts(normalized_name);
        self.datastore.delete(&key, Expression::default()).await?;
        Ok(())
    }
}
