//! Argon2's working memory, allocated once and reused for every hash.
//!
//! Argon2id at the cost we use fills 19 MiB per hash. Allocating and freeing that on
//! every hash (what `argon2`'s `PasswordHasher` does) lets glibc keep the freed blocks
//! in its per-thread arenas once its dynamic mmap threshold has grown past them, so an
//! instance's RSS climbs with every thread that ever hashed, to hundreds of MiB. A
//! [`HashMemory`] is allocated once and reused, so the memory hashing takes is
//! bounded by how many of them the caller keeps.

use argon2::{Block, Params};

use super::HashError;

/// The working memory of one Argon2 computation, sized for the cost new hashes use.
///
/// Verifying a stored hash whose cost needs more memory than this is refused rather
/// than allocated: the bound is the point.
pub struct HashMemory {
    blocks: Vec<Block>,
}

impl HashMemory {
    /// Blocks of 1 KiB for [`Params::DEFAULT`] (19 MiB).
    pub const BLOCKS: usize = Params::DEFAULT.block_count();

    /// Allocates the memory (19 MiB, written once so it is resident from now on).
    pub fn new() -> Self {
        Self {
            blocks: vec![Block::new(); Self::BLOCKS],
        }
    }

    /// The blocks a computation with `params` works in, or why they do not fit.
    pub(super) fn blocks_for(&mut self, params: &Params) -> Result<&mut [Block], HashError> {
        let needed = params.block_count();
        let available = self.blocks.len();
        self.blocks
            .get_mut(..needed)
            .ok_or(HashError::TooCostly { needed, available })
    }
}

impl Default for HashMemory {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for HashMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HashMemory({} KiB)", self.blocks.len())
    }
}
