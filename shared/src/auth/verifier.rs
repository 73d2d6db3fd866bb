//! Verifying session tokens: signature, algorithm, expiry, not-before, issue time,
//! issuer and audience.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use super::claims::Claims;
use crate::ApiError;
use crate::time::now_epoch_seconds;

/// How far clocks may disagree, in seconds, for `exp`, `nbf` and `iat`.
const LEEWAY_SECONDS: u64 = 5;

/// The verifying key could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("JWT_PUBLIC_KEY is not an Ed25519 public key PEM: {0}")]
pub struct InvalidVerifyingKey(String);

/// Checks tokens against the Ed25519 public key.
#[derive(Clone)]
pub struct TokenVerifier {
    key: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier").finish_non_exhaustive()
    }
}

impl TokenVerifier {
    /// Loads the public key and fixes what a valid token looks like.
    pub fn new(
        public_key_pem: &str,
        issuer: &str,
        audience: &str,
    ) -> Result<Self, InvalidVerifyingKey> {
        let key = DecodingKey::from_ed_pem(public_key_pem.as_bytes())
            .map_err(|e| InvalidVerifyingKey(e.to_string()))?;
        // Only EdDSA: `alg: none`, HS256 signed with the public key and the like all fail.
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        Ok(Self { key, validation })
    }

    /// The token's claims, or a 401 saying why not.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        use jsonwebtoken::errors::ErrorKind;
        let claims = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                let message = match e.kind() {
                    ErrorKind::ExpiredSignature => "Your session has expired; please log in again.",
                    ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => {
                        "This token was not issued for this service; please log in again."
                    }
                    _ => "The session token is invalid; please log in again.",
                };
                tracing::info!(reason = ?e.kind(), "token rejected");
                ApiError::Unauthorized(message.to_owned())
            })?;
        // A token "issued" in the future was not issued by us (our clock is the issuer's).
        if claims.iat > now_epoch_seconds() + LEEWAY_SECONDS {
            tracing::info!(iat = claims.iat, "token rejected: issued in the future");
            return Err(ApiError::Unauthorized(
                "The session token is invalid; please log in again.".to_owned(),
            ));
        }
        Ok(claims)
    }
}
