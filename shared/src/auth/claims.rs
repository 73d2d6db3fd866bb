//! The claims a session token carries.

use serde::{Deserialize, Serialize};

/// `sub` (user id), `name` (user name), `iat`, `exp`, `iss`, `aud`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id (a ULID).
    pub sub: String,
    /// The user name as registered.
    pub name: String,
    /// Issued at, seconds since the epoch.
    pub iat: u64,
    /// Expires at, seconds since the epoch.
    pub exp: u64,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
}
