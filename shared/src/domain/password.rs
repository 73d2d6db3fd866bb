//! Passwords: 8 to 128 characters, stored only as Argon2id hashes.
//!
//! Hashing is deliberately slow (Argon2id, 19 MiB, 2 passes: OWASP's recommendation),
//! so callers run it on a blocking thread, bound how many run at once, and give each
//! one a reused [`HashMemory`] (see [`memory`] for why it is not allocated per hash).
//! The PHC strings are those of `argon2`'s `PasswordHasher` ([`phc`]).

mod memory;
mod phc;

pub use memory::HashMemory;
pub use phc::HashError;

use argon2::password_hash::SaltString;
use argon2::password_hash::rand_core::OsRng;

use super::error::{FieldError, Reason};

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

    /// Hashes with Argon2id and a random salt in `memory`. CPU-bound: call from a
    /// blocking thread.
    pub fn hash(&self, memory: &mut HashMemory) -> Result<PasswordHash, HashError> {
        let salt = SaltString::generate(&mut OsRng);
        phc::hash(self.0.as_bytes(), &salt, memory).map(PasswordHash)
    }

    /// Whether this password matches the PHC string `hash`, computed in `memory`.
    /// CPU-bound: call from a blocking thread. An unreadable hash matches nothing.
    pub fn matches(&self, hash: &str, memory: &mut HashMemory) -> bool {
        phc::verify(self.0.as_bytes(), hash, memory).unwrap_or_else(|e| {
            tracing::error!(error = %e, "stored password hash cannot be checked");
            false
        })
    }
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};
    use argon2::{Algorithm, Argon2, Params, PasswordHash as PhcHash, Version};

    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let mut memory = HashMemory::new();
        let password = Password::parse("correct horse").expect("valid");
        let hash = password.hash(&mut memory).expect("hashes");
        assert!(hash.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(password.matches(&hash.0, &mut memory));
        assert!(!Password::attempt("wrong horse").matches(&hash.0, &mut memory));
    }

    #[test]
    fn a_hash_made_here_is_the_one_the_argon2_crate_makes_with_the_same_salt() {
        let salt = SaltString::encode_b64(b"sixteen byte salt").expect("salt");
        let ours = phc::hash(b"correct horse", &salt, &mut HashMemory::new()).expect("hashes");
        let theirs = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .expect("hashes")
            .to_string();
        assert_eq!(ours, theirs);
        let parsed = PhcHash::new(&ours).expect("parses");
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
    }

    #[test]
    fn a_hash_made_by_the_argon2_crate_verifies_here() {
        let salt = SaltString::generate(&mut OsRng);
        let stored = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .expect("hashes")
            .to_string();
        let mut memory = HashMemory::new();
        assert!(Password::attempt("correct horse").matches(&stored, &mut memory));
        assert!(!Password::attempt("correct horsE").matches(&stored, &mut memory));
    }

    #[test]
    fn a_cheaper_argon2i_hash_verifies_in_the_same_memory() {
        let params = Params::new(8 * 1024, 1, 1, Some(24)).expect("params");
        let salt = SaltString::generate(&mut OsRng);
        let stored = Argon2::new(Algorithm::Argon2i, Version::V0x10, params)
            .hash_password(b"correct horse", &salt)
            .expect("hashes")
            .to_string();
        let mut memory = HashMemory::new();
        assert!(Password::attempt("correct horse").matches(&stored, &mut memory));
        assert!(!Password::attempt("wrong horse").matches(&stored, &mut memory));
    }

    #[test]
    fn a_hash_needing_more_memory_than_a_hash_memory_is_refused() {
        let stored = DUMMY_HASH.replace("m=19456", "m=65536");
        let result = phc::verify(b"anything", &stored, &mut HashMemory::new());
        assert!(matches!(
            result,
            Err(HashError::TooCostly {
                needed: 65536,
                available: HashMemory::BLOCKS
            })
        ));
        assert!(!Password::attempt("anything").matches(&stored, &mut HashMemory::new()));
    }

    #[test]
    fn garbage_matches_nothing() {
        let mut memory = HashMemory::new();
        for stored in ["", "plain", "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ"] {
            assert!(!Password::attempt("anything").matches(stored, &mut memory));
        }
    }

    #[test]
    fn the_dummy_hash_is_readable_and_costs_the_same_as_a_real_one() {
        let mut memory = HashMemory::new();
        let parsed = PhcHash::new(DUMMY_HASH).expect("dummy hash parses");
        let real = Password::attempt("whatever1")
            .hash(&mut memory)
            .expect("hashes");
        let real = PhcHash::new(&real.0).expect("real hash parses");
        assert_eq!(parsed.algorithm, real.algorithm);
        assert_eq!(parsed.params, real.params);
        assert!(phc::verify(b"anything", DUMMY_HASH, &mut memory).is_ok_and(|m| !m));
        let theirs = Argon2::default().verify_password(b"anything", &parsed);
        assert_eq!(theirs, Err(argon2::password_hash::Error::Password));
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
