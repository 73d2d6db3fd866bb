//! Finding and checking the session of a request.

use http::{HeaderMap, header};

use super::verifier::TokenVerifier;
use crate::ApiError;
use crate::http::cookie::{SESSION_COOKIE, read};

/// The user a valid token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedUser {
    /// The user id (`sub`).
    pub id: String,
    /// The user name (`name`).
    pub name: String,
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

/// Verifies the request's token and returns its user.
pub fn authenticate(
    headers: &HeaderMap,
    verifier: &TokenVerifier,
) -> Result<AuthenticatedUser, ApiError> {
    let claims = verifier.verify(token(headers)?)?;
    Ok(AuthenticatedUser {
        id: claims.sub,
        name: claims.name,
    })
}
