//! Finding and checking the session of a request.
//!
//! Two checks, in this order: the token's signature and claims ([`verify`], no I/O),
//! then the server-side session it names: [`VerifiedToken::require_open`], one read
//! of the user's state item, or the same condition inside the request's own read or
//! transaction (the `rule` function's store does that, so the check costs no extra
//! round trip). [`authenticate`] does both checks.

use http::{HeaderMap, header};

use super::verifier::TokenVerifier;
use crate::ApiError;
use crate::http::cookie::{SESSION_COOKIE, read};
use crate::store::SessionStore;

/// The user a valid token of an open session speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedUser {
    /// The user id (`sub`).
    pub id: String,
    /// The user name (`name`).
    pub name: String,
    /// The session id (`jti`).
    pub session_id: String,
}

/// A token whose signature and claims are valid; its session is not checked yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    user: AuthenticatedUser,
}

impl VerifiedToken {
    /// The user, before the session check: only for a store call that checks the
    /// session itself, in the same read or transaction.
    pub fn unchecked_user(&self) -> &AuthenticatedUser {
        &self.user
    }

    /// The user, once the session is known to be open.
    pub async fn require_open(
        self,
        sessions: &SessionStore,
    ) -> Result<AuthenticatedUser, ApiError> {
        if sessions
            .is_open(&self.user.id, &self.user.session_id)
            .await?
        {
            Ok(self.user)
        } else {
            tracing::info!(user_id = %self.user.id, "token of an ended session refused");
            Err(ApiError::session_ended())
        }
    }
}

/// The request's token: `Authorization: Bearer` first, then the `jwtToken` cookie.
pub fn token(headers: &HeaderMap) -> Result<&str, ApiError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().unwrap_or("");
        let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err(ApiError::Unauthorized(
                "The Authorization header must be `Bearer <token>`.".to_owned(),
            ));
        }
        return Ok(token.trim());
    }
    match read(headers, SESSION_COOKIE) {
        Some(token) if !token.is_empty() => Ok(token),
        _ => Err(ApiError::Unauthorized(
            "Please log in: this request carries no session token.".to_owned(),
        )),
    }
}

/// Verifies the request's token (signature and claims only).
pub fn verify(headers: &HeaderMap, verifier: &TokenVerifier) -> Result<VerifiedToken, ApiError> {
    let claims = verifier.verify(token(headers)?)?;
    Ok(VerifiedToken {
        user: AuthenticatedUser {
            id: claims.sub,
            name: claims.name,
            session_id: claims.jti,
        },
    })
}

/// Verifies the request's token and checks that its session is open.
pub async fn authenticate(
    headers: &HeaderMap,
    verifier: &TokenVerifier,
    sessions: &SessionStore,
) -> Result<AuthenticatedUser, ApiError> {
    verify(headers, verifier)?.require_open(sessions).await
}
