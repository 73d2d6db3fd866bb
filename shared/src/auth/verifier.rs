//! Verifying session tokens: key (by `kid`), signature, algorithm, expiry, not-before,
//! issue time, issuer and audience.
//!
//! The verifier holds every trusted public key (`JWT_PUBLIC_KEYS`) and checks a token
//! against the one its header's `kid` names: during a key rotation both the old and
//! the new key are trusted, so sessions signed with either stay valid. A token without
//! a `kid`, or naming a key not trusted, is refused.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use super::claims::Claims;
use super::public_key::PublicKey;
use crate::ApiError;
use crate::time::now_epoch_seconds;

/// How far clocks may disagree, in seconds, for `exp`, `nbf` and `iat`.
const LEEWAY_SECONDS: u64 = 5;

/// The verifier was given no key to trust.
#[derive(Debug, thiserror::Error)]
#[error("no public key to verify tokens with")]
pub struct NoVerifyingKey;

/// Checks tokens against the trusted Ed25519 public keys.
#[derive(Clone)]
pub struct TokenVerifier {
    keys: Vec<(String, DecodingKey)>,
    validation: Validation,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<&str> = self.keys.iter().map(|(kid, _)| kid.as_str()).collect();
        f.debug_struct("TokenVerifier")
            .field("kids", &kids)
            .finish_non_exhaustive()
    }
}

impl TokenVerifier {
    /// Trusts `keys` and fixes what a valid token looks like.
    pub fn new(keys: &[PublicKey], issuer: &str, audience: &str) -> Result<Self, NoVerifyingKey> {
        if keys.is_empty() {
            return Err(NoVerifyingKey);
        }
        let keys = keys
            .iter()
            .map(|k| (k.kid().to_owned(), k.decoding_key()))
            .collect();
        // Only EdDSA: `alg: none`, HS256 signed with the public key and the like all fail.
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        Ok(Self { keys, validation })
    }

    /// The key ids this verifier trusts.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(kid, _)| kid.as_str())
    }

    /// The trusted key the token's header names.
    fn key_for(&self, token: &str) -> Result<&DecodingKey, ApiError> {
        let invalid = || {
            ApiError::Unauthorized("The session token is invalid; please log in again.".to_owned())
        };
        let header = jsonwebtoken::decode_header(token).map_err(|e| {
            tracing::info!(reason = ?e.kind(), "token rejected: unreadable header");
            invalid()
        })?;
        let Some(kid) = header.kid else {
            tracing::info!("token rejected: no kid");
            return Err(invalid());
        };
        self.keys
            .iter()
            .find(|(trusted, _)| *trusted == kid)
            .map(|(_, key)| key)
            .ok_or_else(|| {
                tracing::info!(kid = %kid, "token rejected: key not trusted");
                invalid()
            })
    }

    /// The token's claims, or a 401 saying why not.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        use jsonwebtoken::errors::ErrorKind;
        let key = self.key_for(token)?;
        let claims = jsonwebtoken::decode::<Claims>(token, key, &self.validation)
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::auth::issuer::TokenIssuer;
    use crate::auth::keys::KeyPair;

    fn issuer(pair: &KeyPair) -> TokenIssuer {
        TokenIssuer::new(&pair.private_pem, "iss", "aud", Duration::from_secs(60)).expect("issuer")
    }

    fn public(pair: &KeyPair) -> PublicKey {
        pair.public_key().expect("public key")
    }

    #[test]
    fn each_token_is_checked_with_the_key_its_kid_names() {
        let (old, new) = (
            KeyPair::generate().expect("old"),
            KeyPair::generate().expect("new"),
        );
        let both =
            TokenVerifier::new(&[public(&old), public(&new)], "iss", "aud").expect("verifier");
        for pair in [&old, &new] {
            let token = issuer(pair).issue("u1", "alice").expect("token").token;
            let header = jsonwebtoken::decode_header(&token).expect("header");
            assert_eq!(header.kid.as_deref(), Some(public(pair).kid()));
            assert_eq!(both.verify(&token).expect("valid").sub, "u1");
        }
        let only_new = TokenVerifier::new(&[public(&new)], "iss", "aud").expect("verifier");
        let old_token = issuer(&old).issue("u1", "alice").expect("token").token;
        assert!(
            only_new.verify(&old_token).is_err(),
            "a retired key is not trusted"
        );
    }

    #[test]
    fn a_token_naming_a_trusted_kid_but_signed_by_another_key_is_refused() {
        let (trusted, forger) = (
            KeyPair::generate().expect("a"),
            KeyPair::generate().expect("b"),
        );
        let verifier = TokenVerifier::new(&[public(&trusted)], "iss", "aud").expect("verifier");
        let claims = Claims {
            sub: "u1".into(),
            name: "alice".into(),
            jti: "01JD0000000000000000000000".into(),
            iat: crate::time::now_epoch_seconds(),
            exp: crate::time::now_epoch_seconds() + 60,
            iss: "iss".into(),
            aud: "aud".into(),
        };
        let mut header = jsonwebtoken::Header::new(Algorithm::EdDSA);
        header.kid = Some(public(&trusted).kid().to_owned());
        let key =
            jsonwebtoken::EncodingKey::from_ed_pem(forger.private_pem.as_bytes()).expect("key");
        let forged = jsonwebtoken::encode(&header, &claims, &key).expect("forged");
        assert!(verifier.verify(&forged).is_err());
        header.kid = None;
        let signed_without_kid = jsonwebtoken::encode(
            &header,
            &claims,
            &jsonwebtoken::EncodingKey::from_ed_pem(trusted.private_pem.as_bytes()).expect("key"),
        )
        .expect("token");
        assert!(
            verifier.verify(&signed_without_kid).is_err(),
            "a token must name its key"
        );
    }

    #[test]
    fn a_verifier_needs_a_key() {
        assert!(TokenVerifier::new(&[], "iss", "aud").is_err());
    }
}
