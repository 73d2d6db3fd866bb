//! Package size per system: what is uploaded as the function's code, and what the
//! runtime adds that the package does not carry.
//!
//! - ours and cargo lambda: the `bootstrap` binaries (the same files); the runtime is
//!   the OS-only `provided.al2023`.
//! - node: the esbuild bundle with its native module (argon2), per function, as
//!   `.aws-sam/build/<LogicalId>` holds it; the runtime layer (Node.js and
//!   `aws-lambda-ric`) is given apart: Lambda's managed Node.js runtime carries it.

use std::path::Path;

use super::systems::{Kind, Setup, size_of};

/// Bytes of a system's two function packages together, and of its runtime layer.
pub(super) fn sizes(setup: &Setup, node_dir: &Path) -> (u64, Option<u64>) {
    match setup.kind {
        Kind::Ours | Kind::CargoLambda | Kind::Baseline => (
            setup
                .functions
                .iter()
                .map(|f| size_of(&setup.bin_dir.join(&f.binary)))
                .sum(),
            None,
        ),
        Kind::NodeOnDemand | Kind::Node => (
            setup
                .functions
                .iter()
                .filter_map(|f| f.package_dir.as_deref())
                .map(size_of)
                .sum(),
            Some(size_of(&node_dir.join(".aws-sam/build/NodeRuntimeLayer"))),
        ),
    }
}
