//! The claims a session token carries.

use serde::{Deserialize, Serialize};

/// `sub` (user id), `name` (user name), `jti` (session id), `iat`, `exp`, `iss`, `aud`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id (a ULID).
    pub sub: String,
    /// The user name as registered.
    pub name: String,
    /// The session id (a ULID): the token is accepted only while that session is open
    /// (see `store::sessions`). Tokens without one are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// Issued at, seconds since the epoch.
    pub iat: u64,
    /// Expires at, seconds since the epoch.
    pub exp: u64,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
}
