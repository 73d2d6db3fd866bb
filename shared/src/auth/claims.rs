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
    /// (see `store::state::sessions`).
    pub jti: String,
    /// Issued at, seconds since the epoch.
    pub iat: u64,
    /// Expires at, seconds since the epoch.
    pub exp: u64,
    /// Who issued it: the user function (`JWT_ISSUER`).
    pub iss: String,
    /// Whom it is for: the web app (`JWT_AUDIENCE`).
    pub aud: String,
}
