//! Finding and checking the session of a request.
//!
//! Two checks, in this order: the token's signature and claims ([`verify`], no I/O),
//! then the server-side session it names ([`VerifiedToken::require_open`], one read
//! of the user's sessions item). [`authenticate`] does both. A handler that only
//! reads may run the second check alongside its own read and drop the result when the
//! session turns out to be closed, so that the check costs no extra latency; a write
//! must check first.

use std::future::Future;

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
    /// The user, before the session check: only for work whose result is dropped
    /// unless [`Self::require_open`] succeeds.
    pub fn unchecked_user(&self) -> &AuthenticatedUser {
        &self.user
    }

    /// Runs `read` (which may use [`Self::unchecked_user`]) alongside the session
    /// check. Only the check's failure is reported when both fail, so a closed
    /// session always gets its 401, and `read`'s result is dropped unseen.
    pub async fn alongside<T, F>(
        self,
        sessions: &SessionStore,
        read: F,
    ) -> Result<(AuthenticatedUser, T), ApiError>
    where
        F: Future<Output = Result<T, ApiError>>,
    {
        let (user, value) = tokio::join!(self.require_open(sessions), read);
        Ok((user?, value?))
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
    // Tokens from before server-side sessions name none: they cannot be revoked.
    let session_id = claims
        .jti
        .filter(|j| !j.is_empty())
        .ok_or_else(ApiError::session_ended)?;
    Ok(VerifiedToken {
        user: AuthenticatedUser {
            id: claims.sub,
            name: claims.name,
            session_id,
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
