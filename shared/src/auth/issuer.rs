//! Minting session tokens (the user function only).
//!
//! Every token names its key in the header's `kid` (the key's RFC 7638 thumbprint,
//! [`super::public_key`]), so verifiers can hold several keys while one is rotated out.

use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};

use super::claims::Claims;
use super::public_key::PublicKey;
use crate::time::now_epoch_seconds;

/// The signing key could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("the signing key is not an Ed25519 PKCS#8 PEM key: {0}")]
pub struct InvalidSigningKey(String);

/// Signs tokens with the Ed25519 private key.
#[derive(Clone)]
pub struct TokenIssuer {
    key: EncodingKey,
    kid: String,
    issuer: String,
    audience: String,
    lifetime: Duration,
}

impl std::fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("kid", &self.kid)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

/// A freshly minted token.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The compact JWT.
    pub token: String,
    /// How long it is valid, for the cookie's `Max-Age`.
    pub lifetime: Duration,
    /// The session id (`jti`) to open in the session store.
    pub session_id: String,
    /// When it expires (`exp`), seconds since the epoch.
    pub expires_at: u64,
}

impl TokenIssuer {
    /// Loads the private key; the tokens' `kid` is its public key's thumbprint.
    pub fn new(
        private_key_pem: &str,
        issuer: &str,
        audience: &str,
        lifetime: Duration,
    ) -> Result<Self, InvalidSigningKey> {
        let key = EncodingKey::from_ed_pem(private_key_pem.as_bytes())
            .map_err(|e| InvalidSigningKey(e.to_string()))?;
        let kid = PublicKey::of_private_pem(private_key_pem)
            .map_err(|e| InvalidSigningKey(e.to_string()))?
            .kid()
            .to_owned();
        Ok(Self {
            key,
            kid,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            lifetime,
        })
    }

    /// Mints a token for user `user_id` named `name`, for a new session. The token is
    /// only accepted once that session is opened in the session store.
    pub fn issue(&self, user_id: &str, name: &str) -> Result<IssuedToken, crate::ApiError> {
        let iat = now_epoch_seconds();
        let session_id = ulid::Ulid::new().to_string();
        let claims = Claims {
            sub: user_id.to_owned(),
            name: name.to_owned(),
            jti: session_id.clone(),
            iat,
            exp: iat + self.lifetime.as_secs(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        self.sign(&claims).map(|token| IssuedToken {
            token,
            lifetime: self.lifetime,
            session_id,
            expires_at: claims.exp,
        })
    }

    /// The key id every token names.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    fn sign(&self, claims: &Claims) -> Result<String, crate::ApiError> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).map_err(|e| {
            tracing::error!(error = %e, "token signing failed");
            crate::ApiError::Internal
        })
    }
}
