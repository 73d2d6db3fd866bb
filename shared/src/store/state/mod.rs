//! Each user's `STATE` item: their open sessions, how many todos they have, and the
//! writes in flight that change that number.
//!
//! | `pk` | `sk` | attributes |
//! |---|---|---|
//! | `OWNER#<user id>` | `STATE` | `s_<session id>` = session expiry, one per open session; `closedAt`, `expiresAt` (TTL) once the account is deleted; `cAll`, `c0`..`c3` (todos in all, and per status), `counted` (the counts are known), `cVersion` (+1 on every change of counts or journal), `p_<write>` (journal: a counted write in flight) |
//!
//! One item, because every request needs it: the session check is a read of it, a
//! list's `total` is a read of it, and a write that changes the counts records itself
//! in it. Its sort key sorts after every `RULE#` key, so the first page of a list reads
//! it in the same query as the todos ([`super::rules`]).
//!
//! - [`sessions`]: open, check, end sessions; close the account.
//! - [`counts`]: the counters, the journal that keeps them exact without
//!   transactions, and the recount that repairs them.

pub mod counts;
pub mod sessions;

use aws_sdk_dynamodb::types::AttributeValue;

use super::items::{Item, s};
use crate::time::now_epoch_seconds;

/// The sort key of the state item.
pub(crate) const STATE_SK: &str = "STATE";

/// The sort key of the state item, as an attribute value.
pub(crate) fn state_sk() -> AttributeValue {
    s(STATE_SK)
}

/// The attribute holding the session `session_id`.
pub(crate) fn session_attribute(session_id: &str) -> String {
    format!("s_{session_id}")
}

/// Whether the state item `item` (or its absence) has `session_id` open now.
pub fn session_is_open(item: Option<&Item>, session_id: &str) -> bool {
    let Some(item) = item else {
        return false;
    };
    let expiry = item
        .get(&session_attribute(session_id))
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse::<u64>().ok());
    !item.contains_key("closedAt") && expiry.is_some_and(|e| e > now_epoch_seconds())
}
