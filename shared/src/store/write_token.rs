//! The identity of one logical write, stored on the items it changes.
//!
//! The SDK retries an attempt that timed out, and the first attempt may already have
//! landed (a stalled datastore answers both once it resumes). The retry's condition
//! then fails against our own write: a create finds its todo existing, an update finds
//! the version it made, a delete finds nothing left to delete. Without a way to tell
//! "someone else" from "us, a moment ago", a write that succeeded would be reported as
//! a failure.
//!
//! Every write therefore carries a [`WriteToken`] that it stores on the item
//! (`createdBy`, `writeToken`, `deletedBy`). When a condition fails, one consistent
//! read shows whether the item carries our token: then the write was ours and is
//! answered as the success it was. A request gets a fresh token; the retries of one
//! `Idempotency-Key` share the token kept in its record, so a client's retry is
//! recognised the same way as the SDK's.

use std::fmt;

/// One logical write's identity (a ULID).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WriteToken(String);

impl WriteToken {
    /// A token for a new write.
    pub fn new() -> Self {
        Self(ulid::Ulid::new().to_string())
    }

    /// A token read back from the datastore.
    pub(crate) fn from_stored(token: String) -> Self {
        Self(token)
    }

    /// The token's text, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for WriteToken {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for WriteToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
