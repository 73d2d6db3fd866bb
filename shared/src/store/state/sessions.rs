//! Server-side sessions, listed in the user's state item (`s_<session id>` = expiry),
//! so that logout and account deletion end a token at once (`docs/security.md`). One
//! item per user: a login or logout writes one attribute, closing the account ends
//! every session in one write, and the check reads one small item.

use crate::store::expression::Expression;
use crate::store::items::{StateItem, n, s};
use crate::store::keys::Key;
use crate::store::{Datastore, StoreError};
use crate::time::{now_epoch_seconds, now_rfc3339};

/// The most sessions one user keeps open; a new login past it ends the oldest.
pub const MAX_SESSIONS: usize = 50;
/// How long the record of a closed account outlives the longest token (a day).
const CLOSED_RECORD_LIFETIME_SECONDS: u64 = 2 * 24 * 60 * 60;

/// The account was deleted: no session can be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountClosed;

/// Open sessions in the table.
#[derive(Debug, Clone)]
pub struct SessionStore {
    datastore: Datastore,
}

impl SessionStore {
    /// A store on `datastore`.
    pub fn new(datastore: Datastore) -> Self {
        Self { datastore }
    }

    /// Whether the session `session_id` of `user_id` is open.
    pub async fn is_open(&self, user_id: &str, session_id: &str) -> Result<bool, StoreError> {
        let state = self.read(user_id).await?;
        Ok(state.is_some_and(|state| state.has_open_session(session_id)))
    }

    /// Opens the session `session_id` of `user_id`, valid until `expires_at`, unless
    /// the account is closed (so a login racing its deletion leaves no live session).
    pub async fn open(
        &self,
        user_id: &str,
        session_id: &str,
        expires_at: u64,
    ) -> Result<Result<(), AccountClosed>, StoreError> {
        let mut update = Expression::new("SET #new = :expires")
            .name("#new", StateItem::session_attribute(session_id))
            .value(":expires", n(expires_at));
        // Expired sessions go, and the oldest past `MAX_SESSIONS` with the new one.
        if let Some(state) = self.read(user_id).await? {
            let now = now_epoch_seconds();
            let sessions = state.sessions.into_iter();
            let (mut open, expired): (Vec<_>, Vec<_>) = sessions.partition(|(_, at)| *at > now);
            open.sort_by(|(a, a_expiry), (b, b_expiry)| (a_expiry, a).cmp(&(b_expiry, b)));
            let excess = (open.len() + 1).saturating_sub(MAX_SESSIONS);
            let drop = expired.into_iter().chain(open.into_iter().take(excess));
            for (i, (name, _)) in drop.enumerate() {
                let separator = if i == 0 { " REMOVE " } else { ", " };
                update.text.push_str(&format!("{separator}#old{i}"));
                update = update.name(format!("#old{i}"), name);
            }
        }
        let condition = Expression::new("attribute_not_exists(closedAt)");
        let key = Key::state(user_id);
        let opened = self.datastore.update(&key, update, condition).await?;
        Ok(opened.then_some(()).ok_or(AccountClosed))
    }

    /// Ends the session `session_id` of `user_id` (nothing happens if it is not open).
    pub async fn end(&self, user_id: &str, session_id: &str) -> Result<(), StoreError> {
        let update = Expression::new("REMOVE #session")
            .name("#session", StateItem::session_attribute(session_id));
        let condition = Expression::new("attribute_exists(pk)");
        let key = Key::state(user_id);
        let ended = self.datastore.update(&key, update, condition);
        ended.await.map(drop)
    }

    /// Ends every session of `user_id` and refuses new ones: the account is closed.
    pub async fn close_account(&self, user_id: &str) -> Result<(), StoreError> {
        let expires = n(now_epoch_seconds() + CLOSED_RECORD_LIFETIME_SECONDS);
        let update = "SET closedAt = if_not_exists(closedAt, :now), expiresAt = :expires";
        let update = Expression::new(update)
            .value(":now", s(now_rfc3339()))
            .value(":expires", expires);
        let key = Key::state(user_id);
        let closed = self.datastore.update(&key, update, Expression::default());
        closed.await.map(drop)
    }

    async fn read(&self, user_id: &str) -> Result<Option<StateItem>, StoreError> {
        self.datastore.read(&Key::state(user_id)).await
    }
}
