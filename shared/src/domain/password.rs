//! Passwords: 8 to 128 characters, stored only as Argon2id hashes.
//!
//! Hashing is deliberately slow (Argon2id, 19 MiB, 2 passes: OWASP's recommendation,
//! `argon2`'s defaults), so callers run it on a blocking thread and bound how many run
//! at once. Stored hashes are PHC strings, checked with the parameters they name, up
//! to the memory a new hash takes.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, Params};

use super::error::{FieldError, Reason};

/// Why a password could not be hashed or a stored hash not checked.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// `argon2` refused its inputs, or the stored string is not a PHC string it reads.
    #[error("password hashing failed: {0}")]
    Argon2(#[from] argon2::password_hash::Error),
    /// The stored hash needs more working memory (KiB) than a new hash takes: checking
    /// it would break the instance's memory bound.
    #[error(
        "the password hash needs {0} KiB of memory, more than the {MAX_MEMORY_KIB} KiB allowed"
    )]
    TooCostly(usize),
}

/// The working memory (KiB) of a new hash, and the most a stored hash may need.
const MAX_MEMORY_KIB: usize = Params::DEFAULT.block_count();

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
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let length = raw.chars().count();
        if !(8..=128).contains(&length) {
            return Err(FieldError::new(
                "password",
                Reason::LengthOutside { min: 8, max: 128 },
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// Wraps a login attempt's password without the length rule (any input is checked).
    pub fn attempt(raw: &str) -> Self {
        Self(raw.to_owned())
    }

    /// Whether this password is `name`, ignoring case (user names are ASCII).
    pub fn is_name(&self, name: &str) -> bool {
        self.0.eq_ignore_ascii_case(name)
    }

    /// Hashes with Argon2id and a random salt. CPU-bound: call from a blocking thread.
    pub fn hash(&self) -> Result<PasswordHash, HashError> {
        let salt = SaltString::generate(&mut OsRng);
        let hash = Argon2::default().hash_password(self.0.as_bytes(), &salt)?;
        Ok(PasswordHash(hash.to_string()))
    }

    /// Whether this password matches the PHC string `hash`. CPU-bound: call from a
    /// blocking thread. An unreadable or too costly hash matches nothing.
    pub fn matches(&self, hash: &str) -> bool {
        self.check(hash).unwrap_or_else(|e| {
            tracing::error!(error = %e, "stored password hash cannot be checked");
            false
        })
    }

    /// Checks against `stored` with its own algorithm, version, parameters and salt.
    fn check(&self, stored: &str) -> Result<bool, HashError> {
        let stored = argon2::PasswordHash::new(stored)?;
        let needed = Params::try_from(&stored)?.block_count();
        if needed > MAX_MEMORY_KIB {
            return Err(HashError::TooCostly(needed));
        }
        match Argon2::default().verify_password(self.0.as_bytes(), &stored) {
            Ok(()) => Ok(true),
            Err(argon2::password_hash::Error::Password) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use argon2::{Algorithm, PasswordHash as PhcHash, Version};

    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let password = Password::parse("correct horse").expect("valid");
        let hash = password.hash().expect("hashes");
        assert!(hash.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(password.matches(&hash.0));
        assert!(!Password::attempt("wrong horse").matches(&hash.0));
    }

    #[test]
    fn a_hash_stored_before_hashing_moved_to_the_argon2_crates_api_verifies() {
        // Made by the hand-written PHC code this module replaced, from a random salt.
        let stored = "$argon2id$v=19$m=19456,t=2,p=1$xO31mSE68xHdRyvydOJ3Sg$Wh5XPYmtxRA1EeV+99aYPUG2fvpsiyodQ9XTq26dUw4";
        assert!(Password::attempt("correct horse battery").matches(stored));
        assert!(!Password::attempt("correct horse batterY").matches(stored));
    }

    #[test]
    fn a_cheaper_argon2i_hash_verifies_with_its_own_parameters() {
        let params = Params::new(8 * 1024, 1, 1, Some(24)).expect("params");
        let salt = SaltString::generate(&mut OsRng);
        let stored = Argon2::new(Algorithm::Argon2i, Version::V0x10, params)
            .hash_password(b"correct horse", &salt)
            .expect("hashes")
            .to_string();
        assert!(Password::attempt("correct horse").matches(&stored));
        assert!(!Password::attempt("wrong horse").matches(&stored));
    }

    #[test]
    fn a_hash_needing_more_memory_than_a_new_one_is_refused() {
        let stored = DUMMY_HASH.replace("m=19456", "m=65536");
        let result = Password::attempt("anything").check(&stored);
        assert!(matches!(result, Err(HashError::TooCostly(65536))));
        assert!(!Password::attempt("anything").matches(&stored));
    }

    #[test]
    fn garbage_matches_nothing() {
        for stored in ["", "plain", "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ"] {
            assert!(!Password::attempt("anything").matches(stored));
        }
    }

    #[test]
    fn the_dummy_hash_is_readable_and_costs_the_same_as_a_real_one() {
        let parsed = PhcHash::new(DUMMY_HASH).expect("dummy hash parses");
        let real = Password::attempt("whatever1").hash().expect("hashes");
        let real = PhcHash::new(&real.0).expect("real hash parses");
        assert_eq!(parsed.algorithm, real.algorithm);
        assert_eq!(parsed.params, real.params);
        assert!(
            Password::attempt("anything")
                .check(DUMMY_HASH)
                .is_ok_and(|m| !m)
        );
    }

    #[test]
    fn a_password_is_its_name_whatever_the_case() {
        assert!(Password::attempt("Alice.Smith").is_name("alice.smith"));
        assert!(!Password::attempt("Alice.Smith1").is_name("alice.smith"));
    }

    #[test]
    fn lengths_are_enforced_in_characters() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"é".repeat(128)).is_ok());
        assert!(Password::parse(&"é".repeat(129)).is_err());
    }
}
