//! Local JWT keys and tokens.
//!
//! The template reads the Ed25519 key pair from Secrets Manager; locally a pair is
//! generated once under `<data-dir>/jwt/` (files 0600, folder 0700) and reused across
//! restarts, so sessions survive. [`mint`] signs a token with the claims the
//! functions verify (`sub`, `name`, `iat`, `exp`, `iss`, `aud`), for `invoke`.

use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

/// The DER prefix of an Ed25519 SubjectPublicKeyInfo, before the 32 key bytes.
const SPKI_ED25519_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// Why keys could not be made, read or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Reading or writing the key files failed.
    #[error("JWT key files in {path}: {source}")]
    Io {
        /// The folder.
        path: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The system's random source failed.
    #[error("could not generate an Ed25519 key pair")]
    Generate,
    /// Signing failed.
    #[error("could not sign a token: {0}")]
    Sign(#[from] jsonwebtoken::errors::Error),
}

/// An Ed25519 key pair in PEM.
#[derive(Clone)]
pub struct LocalKeys {
    /// PKCS#8 `PRIVATE KEY` PEM (what `JWT_PRIVATE_KEY` holds).
    pub private_pem: String,
    /// SubjectPublicKeyInfo `PUBLIC KEY` PEM (what `JWT_PUBLIC_KEY` holds).
    pub public_pem: String,
}

impl std::fmt::Debug for LocalKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalKeys")
            .field("public_pem", &self.public_pem)
            .finish_non_exhaustive()
    }
}

impl LocalKeys {
    /// A fresh key pair.
    pub fn generate() -> Result<Self, KeyError> {
        let pkcs8 =
            Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| KeyError::Generate)?;
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| KeyError::Generate)?;
        let mut spki = SPKI_ED25519_PREFIX.to_vec();
        spki.extend_from_slice(pair.public_key().as_ref());
        Ok(Self {
            private_pem: pem("PRIVATE KEY", pkcs8.as_ref()),
            public_pem: pem("PUBLIC KEY", &spki),
        })
    }

    /// The pair stored in `dir`, generated and stored first if missing.
    pub fn load_or_create(dir: &Path) -> Result<Self, KeyError> {
        let io = |source| KeyError::Io {
            path: dir.display().to_string(),
            source,
        };
        let (private, public) = (dir.join("private.pem"), dir.join("public.pem"));
        if let (Ok(private_pem), Ok(public_pem)) = (
            std::fs::read_to_string(&private),
            std::fs::read_to_string(&public),
        ) {
            return Ok(Self {
                private_pem,
                public_pem,
            });
        }
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io)?;
        let keys = Self::generate()?;
        for (path, text) in [(&private, &keys.private_pem), (&public, &keys.public_pem)] {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(path)
                .map_err(io)?;
            file.write_all(text.as_bytes()).map_err(io)?;
        }
        Ok(keys)
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let encoded = STANDARD.encode(der);
    let mut text = format!("-----BEGIN {label}-----\n");
    for line in encoded.as_bytes().chunks(64) {
        text.push_str(&String::from_utf8_lossy(line));
        text.push('\n');
    }
    text.push_str(&format!("-----END {label}-----\n"));
    text
}

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    name: &'a str,
    iat: u64,
    exp: u64,
    iss: &'a str,
    aud: &'a str,
}

/// What a token says and how long it lives.
#[derive(Debug, Clone)]
pub struct TokenRequest<'a> {
    /// The user id (`sub`), a ULID.
    pub user_id: &'a str,
    /// The user name (`name`).
    pub name: &'a str,
    /// `iss`.
    pub issuer: &'a str,
    /// `aud`.
    pub audience: &'a str,
    /// `exp - iat`.
    pub lifetime: Duration,
}

/// Signs an EdDSA token with `keys`.
pub fn mint(keys: &LocalKeys, request: &TokenRequest<'_>) -> Result<String, KeyError> {
    let key = jsonwebtoken::EncodingKey::from_ed_pem(keys.private_pem.as_bytes())?;
    let iat = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let claims = Claims {
        sub: request.user_id,
        name: request.name,
        iat,
        exp: iat + request.lifetime.as_secs(),
        iss: request.issuer,
        aud: request.audience,
    };
    Ok(jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA),
        &claims,
        &key,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn keys_are_created_once_private_and_reused() {
        let dir = std::env::temp_dir()
            .join(format!("local-keys-{}", std::process::id()))
            .join("jwt");
        let _ = std::fs::remove_dir_all(&dir);
        let first = LocalKeys::load_or_create(&dir).expect("created");
        let second = LocalKeys::load_or_create(&dir).expect("loaded");
        assert_eq!(first.private_pem, second.private_pem);
        assert!(first.public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        let mode = std::fs::metadata(dir.join("private.pem"))
            .expect("file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn minted_tokens_verify_with_the_public_key() {
        let keys = LocalKeys::generate().expect("keys");
        let token = mint(
            &keys,
            &TokenRequest {
                user_id: "01JABCDEF",
                name: "alice",
                issuer: "todo-service",
                audience: "todo-web",
                lifetime: Duration::from_secs(60),
            },
        )
        .expect("token");
        let key =
            jsonwebtoken::DecodingKey::from_ed_pem(keys.public_pem.as_bytes()).expect("public key");
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
        validation.set_audience(&["todo-web"]);
        validation.set_issuer(&["todo-service"]);
        let data =
            jsonwebtoken::decode::<serde_json::Value>(&token, &key, &validation).expect("valid");
        assert_eq!(data.claims["sub"], "01JABCDEF");
        assert_eq!(data.claims["name"], "alice");
    }
}
