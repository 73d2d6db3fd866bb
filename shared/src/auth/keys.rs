//! Ed25519 key pairs in PEM, for local runs and tests (deployed keys are made by
//! `scripts/jwt-keys.py` and kept in Secrets Manager).

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};

use super::public_key::{PublicKey, to_pem};

/// A signing key and its public key, both PEM encoded.
#[derive(Clone)]
pub struct KeyPair {
    /// PKCS#8 `PRIVATE KEY` PEM.
    pub private_pem: String,
    /// SubjectPublicKeyInfo `PUBLIC KEY` PEM.
    pub public_pem: String,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("public_pem", &self.public_pem)
            .finish_non_exhaustive()
    }
}

/// Key generation failed (the system's random source is broken).
#[derive(Debug, thiserror::Error)]
#[error("could not generate an Ed25519 key pair")]
pub struct KeyGenerationError;

impl KeyPair {
    /// Generates a fresh key pair from the system's random source.
    pub fn generate() -> Result<Self, KeyGenerationError> {
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| KeyGenerationError)?;
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| KeyGenerationError)?;
        let public =
            PublicKey::from_raw(pair.public_key().as_ref()).map_err(|_| KeyGenerationError)?;
        Ok(Self {
            private_pem: to_pem("PRIVATE KEY", pkcs8.as_ref().to_vec()),
            public_pem: public.to_spki_pem(),
        })
    }

    /// The public key, with its key id; `None` when `public_pem` is not an Ed25519 key.
    pub fn public_key(&self) -> Option<PublicKey> {
        PublicKey::from_spki_pem(&self.public_pem).ok()
    }
}
