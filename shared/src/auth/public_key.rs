//! Ed25519 public keys as configuration carries them, and their key ids.
//!
//! A public key is written as its JWK `x` value (RFC 8037): the 32 raw key bytes in
//! base64url without padding, 43 characters, so a list of them fits a template
//! parameter and an environment variable (`JWT_PUBLIC_KEYS=x1,x2`). Its key id, the
//! `kid` of the tokens it verifies, is its RFC 7638 JWK thumbprint: base64url(SHA-256 of
//! `{"crv":"Ed25519","kty":"OKP","x":"<x>"}`). A kid is computed, never chosen, so it
//! names exactly one key and a secret cannot label a key with another key's id.

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;

/// The DER prefix of an Ed25519 SubjectPublicKeyInfo, before the 32 key bytes.
pub const SPKI_ED25519_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// Text that is not an Ed25519 key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an Ed25519 {what}: {reason}")]
pub struct InvalidKey {
    what: &'static str,
    reason: String,
}

impl InvalidKey {
    fn new(what: &'static str, reason: impl Into<String>) -> Self {
        Self {
            what,
            reason: reason.into(),
        }
    }
}

/// An Ed25519 public key and its key id.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    raw: [u8; 32],
    x: String,
    kid: String,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKey").field("kid", &self.kid).finish()
    }
}

impl PublicKey {
    /// The key of the 32 raw bytes.
    pub fn from_raw(raw: &[u8]) -> Result<Self, InvalidKey> {
        let raw: [u8; 32] = raw.try_into().map_err(|_| {
            InvalidKey::new("public key", format!("{} bytes instead of 32", raw.len()))
        })?;
        let x = URL_SAFE_NO_PAD.encode(raw);
        let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(digest(&SHA256, canonical.as_bytes()));
        Ok(Self { raw, x, kid })
    }

    /// The key of a JWK `x` value (base64url, no padding).
    pub fn from_x(x: &str) -> Result<Self, InvalidKey> {
        let raw = URL_SAFE_NO_PAD
            .decode(x.trim())
            .map_err(|e| InvalidKey::new("public key", format!("{x:?} is not base64url: {e}")))?;
        Self::from_raw(&raw)
    }

    /// The key of a SubjectPublicKeyInfo `PUBLIC KEY` PEM.
    pub fn from_spki_pem(text: &str) -> Result<Self, InvalidKey> {
        let block = pem_block(text, "PUBLIC KEY", "public key")?;
        let raw = block
            .strip_prefix(&SPKI_ED25519_PREFIX[..])
            .ok_or_else(|| InvalidKey::new("public key", "the PEM holds another kind of key"))?;
        Self::from_raw(raw)
    }

    /// The public half of a PKCS#8 `PRIVATE KEY` PEM (v1 as `openssl genpkey` writes
    /// it, or v2).
    pub fn of_private_pem(text: &str) -> Result<Self, InvalidKey> {
        let der = pem_block(text, "PRIVATE KEY", "private key")?;
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der)
            .map_err(|e| InvalidKey::new("private key", e.to_string()))?;
        Self::from_raw(pair.public_key().as_ref())
    }

    /// The JWK `x` value.
    pub fn x(&self) -> &str {
        &self.x
    }

    /// The key id: the RFC 7638 thumbprint.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The key for `jsonwebtoken`.
    pub fn decoding_key(&self) -> DecodingKey {
        DecodingKey::from_ed_der(&self.raw)
    }

    /// SubjectPublicKeyInfo `PUBLIC KEY` PEM.
    pub fn to_spki_pem(&self) -> String {
        let mut der = SPKI_ED25519_PREFIX.to_vec();
        der.extend_from_slice(&self.raw);
        to_pem("PUBLIC KEY", der)
    }
}

/// `der` as a PEM block labelled `label`, with `\n` line endings.
pub fn to_pem(label: &str, der: Vec<u8>) -> String {
    let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    pem::encode_config(&pem::Pem::new(label, der), config)
}

/// The DER bytes of the one PEM block labelled `label` in `text`.
fn pem_block(text: &str, label: &str, what: &'static str) -> Result<Vec<u8>, InvalidKey> {
    // Environment variables often carry PEM with literal `\n`.
    let text = text.replace("\\n", "\n");
    let block = pem::parse(text.trim()).map_err(|e| InvalidKey::new(what, e.to_string()))?;
    if block.tag() != label {
        return Err(InvalidKey::new(
            what,
            format!("a {:?} PEM block, not {label:?}", block.tag()),
        ));
    }
    Ok(block.into_contents())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8037, appendix A.2 and A.3: the example key and its thumbprint.
    const RFC_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    const RFC_THUMBPRINT: &str = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";

    #[test]
    fn the_kid_is_the_rfc_7638_thumbprint() {
        let key = PublicKey::from_x(RFC_X).expect("the RFC's key");
        assert_eq!(key.kid(), RFC_THUMBPRINT);
        assert_eq!(key.x(), RFC_X);
    }

    #[test]
    fn pem_and_x_forms_name_the_same_key() {
        let key = PublicKey::from_x(RFC_X).expect("key");
        let again = PublicKey::from_spki_pem(&key.to_spki_pem()).expect("PEM");
        assert_eq!(again, key);
        let escaped = key.to_spki_pem().replace('\n', "\\n");
        assert_eq!(PublicKey::from_spki_pem(&escaped).expect("escaped"), key);
    }

    #[test]
    fn a_private_key_yields_its_public_half() {
        let pair = crate::auth::keys::KeyPair::generate().expect("pair");
        let from_private = PublicKey::of_private_pem(&pair.private_pem).expect("private");
        let from_public = PublicKey::from_spki_pem(&pair.public_pem).expect("public");
        assert_eq!(from_private, from_public);
    }

    #[test]
    fn malformed_keys_are_refused() {
        assert!(PublicKey::from_x("short").is_err());
        assert!(PublicKey::from_x("not base64 at all!").is_err());
        assert!(
            PublicKey::from_spki_pem(
                "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
            )
            .is_err()
        );
        let pair = crate::auth::keys::KeyPair::generate().expect("pair");
        assert!(
            PublicKey::from_spki_pem(&pair.private_pem).is_err(),
            "a private key is not a public key"
        );
        assert!(PublicKey::of_private_pem(&pair.public_pem).is_err());
    }
}
