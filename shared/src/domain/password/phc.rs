//! Argon2 PHC strings, computed in a caller's [`HashMemory`].
//!
//! The same work as `argon2`'s `PasswordHasher` and `PasswordVerifier`, bit for bit
//! (a hash made here verifies there and the other way round), except that the 19 MiB
//! of working memory comes from the caller instead of a fresh allocation per call.
//! Verifying recomputes the hash with the stored algorithm, version, parameters and
//! salt, and compares the outputs in constant time (`password_hash::Output`'s `==`).

use argon2::password_hash::{Output, ParamsString, PasswordHash as Phc, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use super::HashMemory;

/// Why a hash could not be computed or a stored one not checked.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// The stored string is not a PHC string with a salt and a hash `argon2` can read.
    #[error("unreadable password hash: {0}")]
    Unreadable(argon2::password_hash::Error),
    /// The stored hash needs more working memory than a [`HashMemory`] holds.
    #[error(
        "the password hash needs {needed} KiB of memory, more than the {available} KiB allowed"
    )]
    TooCostly {
        /// Blocks (KiB) its parameters need.
        needed: usize,
        /// Blocks (KiB) a [`HashMemory`] has.
        available: usize,
    },
    /// Argon2 refused its inputs.
    #[error("argon2 failed: {0}")]
    Argon2(argon2::Error),
}

impl From<argon2::password_hash::Error> for HashError {
    fn from(error: argon2::password_hash::Error) -> Self {
        Self::Unreadable(error)
    }
}

impl From<argon2::Error> for HashError {
    fn from(error: argon2::Error) -> Self {
        Self::Argon2(error)
    }
}

/// Hashes `password` with Argon2id, the default cost and `salt`, as a PHC string.
pub(super) fn hash(
    password: &[u8],
    salt: &SaltString,
    memory: &mut HashMemory,
) -> Result<String, HashError> {
    let params = Params::DEFAULT;
    let (algorithm, version) = (Algorithm::Argon2id, Version::V0x13);
    let mut salt_bytes = [0_u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let mut output = [0_u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
        password,
        salt_bytes,
        &mut output,
        memory.blocks_for(&params)?,
    )?;
    let phc = Phc {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&output)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored`.
pub(super) fn verify(
    password: &[u8],
    stored: &str,
    memory: &mut HashMemory,
) -> Result<bool, HashError> {
    let phc = Phc::new(stored)?;
    let (Some(salt), Some(expected)) = (phc.salt, &phc.hash) else {
        return Err(HashError::Unreadable(
            argon2::password_hash::Error::PhcStringField,
        ));
    };
    let algorithm = Algorithm::try_from(phc.algorithm)?;
    let version = phc
        .version
        .map(Version::try_from)
        .transpose()?
        .unwrap_or_default();
    let params = Params::try_from(&phc)?;
    let mut salt_bytes = [0_u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let mut output = [0_u8; Output::MAX_LENGTH];
    let output = output
        .get_mut(..expected.len())
        .ok_or(HashError::Unreadable(
            argon2::password_hash::Error::OutputSize {
                provided: std::cmp::Ordering::Greater,
                expected: Output::MAX_LENGTH,
            },
        ))?;
    Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
        password,
        salt_bytes,
        &mut *output,
        memory.blocks_for(&params)?,
    )?;
    Ok(Output::new(output)? == *expected)
}
