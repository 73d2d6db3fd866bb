//! Passwords: 8 to 128 characters, stored only as Argon2id hashes.
//!
//! Hashing is deliberately slow (Argon2id, 19 MiB, 2 passes: OWASP's recommendation),
//! so callers run it on a blocking thread and bound how many run at once.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, PasswordHash as PhcHash};

use crate::ApiError;

/// A hash of a password nobody has, verified when the user name is unknown so that
/// an unknown user and a wrong password take the same time. Made with the defaults.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4r0cF0ndD2l7d0Pk0cmxkyIXw0yxZQxyMqo2TFSGbcI";

/// A password that satisfies the length rule. Never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A PHC-format Argon2id hash, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordHash(pub String);

impl Password {
    /// Parses a password for registration; the error names the field `password`.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let length = raw.chars().count();
        if !(8..=128).contains(&length) {
            return Err(ApiError::bad_request(
                "password",
                "password must be 8 to 128 characters long.",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// Wraps a login attempt's password without the length rule (any input is checked).
    pub fn attempt(raw: &str) -> Self {
        Self(raw.to_owned())
    }

    /// Hashes with Argon2id and a random salt. CPU-bound: call from a blocking thread.
    pub fn hash(&self) -> Result<PasswordHash, ApiError> {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .map(|h| PasswordHash(h.to_string()))
            .map_err(|e| {
                tracing::error!(error = %e, "password hashing failed");
                ApiError::Internal
            })
    }

    /// Whether this password matches `hash`. CPU-bound: call from a blocking thread.
    pub fn matches(&self, hash: &str) -> bool {
        match PhcHash::new(hash) {
            Ok(parsed) => Argon2::default()
                .verify_password(self.0.as_bytes(), &parsed)
                .is_ok(),
            Err(e) => {
                tracing::error!(error = %e, "stored password hash is unreadable");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let password = Password::parse("correct horse").expect("valid");
        let hash = password.hash().expect("hashes");
        assert!(hash.0.starts_with("$argon2id$"));
        assert!(password.matches(&hash.0));
        assert!(!Password::attempt("wrong horse").matches(&hash.0));
    }

    #[test]
    fn the_dummy_hash_is_readable_and_costs_the_same_as_a_real_one() {
        let parsed = PhcHash::new(DUMMY_HASH).expect("dummy hash parses");
        let real = Password::attempt("whatever1").hash().expect("hashes");
        let real = PhcHash::new(&real.0).expect("real hash parses");
        assert_eq!(parsed.algorithm, real.algorithm);
        assert_eq!(parsed.params, real.params);
        assert!(!Password::attempt("anything").matches(DUMMY_HASH));
    }

    #[test]
    fn lengths_are_enforced_in_characters() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"é".repeat(128)).is_ok());
        assert!(Password::parse(&"é".repeat(129)).is_err());
    }
}
