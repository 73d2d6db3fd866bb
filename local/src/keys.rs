//! Local JWT keys and tokens.
//!
//! The template reads the Ed25519 key pair from Secrets Manager; locally a pair is
//! generated once under `<data-dir>/jwt/` (files 0600, folder 0700) and reused across
//! restarts, so sessions survive. Generating pairs and signing tokens is `shared`'s
//! ([`KeyPair::generate`], [`TokenIssuer`]), the same code the functions run; this
//! module only stores and reads the pair, and [`mint`] signs a token with the claims
//! the functions verify (`sub`, `name`, `iat`, `exp`, `iss`, `aud`), for `invoke`.

use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::Path;
use std::time::Duration;

use shared::auth::issuer::{InvalidSigningKey, IssuedToken, TokenIssuer};
pub use shared::auth::keys::{KeyGenerationError, KeyPair};

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
    #[error(transparent)]
    Generate(#[from] KeyGenerationError),
    /// The stored private key is not an Ed25519 PKCS#8 PEM key.
    #[error(transparent)]
    SigningKey(#[from] InvalidSigningKey),
    /// Signing failed.
    #[error("could not sign a token: {0}")]
    Sign(String),
}

/// The pair stored in `dir`, generated and stored first if missing.
pub fn load_or_create(dir: &Path) -> Result<KeyPair, KeyError> {
    let io = |source| KeyError::Io {
        path: dir.display().to_string(),
        source,
    };
    let (private, public) = (dir.join("private.pem"), dir.join("public.pem"));
    if let (Ok(private_pem), Ok(public_pem)) = (
        std::fs::read_to_string(&private),
        std::fs::read_to_string(&public),
    ) {
        return Ok(KeyPair {
            private_pem,
            public_pem,
        });
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io)?;
    let keys = KeyPair::generate()?;
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

/// Signs an EdDSA token with `keys`, as the user function's [`TokenIssuer`] does. The
/// token names a new session, which must be opened before the functions accept it.
pub fn mint(keys: &KeyPair, request: &TokenRequest<'_>) -> Result<IssuedToken, KeyError> {
    let issuer = TokenIssuer::new(
        &keys.private_pem,
        request.issuer,
        request.audience,
        request.lifetime,
    )?;
    issuer
        .issue(request.user_id, request.name)
        .map_err(|e| KeyError::Sign(e.to_string()))
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
        let first = load_or_create(&dir).expect("created");
        let second = load_or_create(&dir).expect("loaded");
        assert_eq!(first.private_pem, second.private_pem);
        assert_eq!(first.public_pem, second.public_pem);
        assert!(first.public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        for file in ["private.pem", "public.pem"] {
            let mode = std::fs::metadata(dir.join(file))
                .expect("file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
        let mode = std::fs::metadata(&dir).expect("dir").permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[test]
    fn minted_tokens_verify_with_the_public_key() {
        let keys = KeyPair::generate().expect("keys");
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
        let data = jsonwebtoken::decode::<serde_json::Value>(&token.token, &key, &validation)
            .expect("valid");
        assert_eq!(data.claims["sub"], "01JABCDEF");
        assert_eq!(data.claims["jti"], token.session_id.as_str());
        assert_eq!(data.claims["name"], "alice");
        assert_eq!(
            data.claims["exp"].as_u64().expect("exp") - data.claims["iat"].as_u64().expect("iat"),
            60
        );
    }

    #[test]
    fn a_broken_private_key_is_an_error() {
        let keys = KeyPair {
            private_pem: "not a key".into(),
            public_pem: String::new(),
        };
        let request = TokenRequest {
            user_id: "u",
            name: "n",
            issuer: "i",
            audience: "a",
            lifetime: Duration::from_secs(1),
        };
        assert!(matches!(
            mint(&keys, &request),
            Err(KeyError::SigningKey(_))
        ));
    }
}
