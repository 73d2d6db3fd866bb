//! The workspace's binaries, built from a test the way a shell builds them.

use std::path::Path;
use std::process::Command;

/// Builds every binary of the workspace (`cargo build --workspace --bins`), the same
/// selection `make dev` and the browser tests build, so the three share one build.
///
/// Cargo passes a test its package's variables (`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME`,
/// ...). A nested `cargo` would inherit them, and build scripts that declare
/// `rerun-if-env-changed` on them (ring's does) would then look changed and rebuild
/// the AWS SDK stack above them, here and again in the next build from a shell. They
/// are removed first.
///
/// # Panics
/// When cargo cannot be run or the build fails: the tests need the binaries.
pub fn build_workspace_binaries() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["build", "--quiet", "--workspace", "--bins"])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."));
    without_test_variables(&mut command);
    let status = command.status().expect("cargo runs");
    assert!(status.success(), "cargo build --workspace --bins failed");
}

/// Removes from `command`'s environment the variables cargo sets for a test, so that a
/// cargo it runs (directly or through a script) sees the environment of a shell and
/// rebuilds nothing that is up to date (see [`build_workspace_binaries`]).
pub fn without_test_variables(command: &mut Command) {
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let set_for_the_test = name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_MANIFEST_")
            || name.starts_with("CARGO_BIN_")
            || [
                "CARGO_CRATE_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
                "CARGO_RUSTC_CURRENT_DIR",
                "OUT_DIR",
            ]
            .contains(&name.as_ref());
        if set_for_the_test {
            command.env_remove(name.as_ref());
        }
    }
}
