//! The local platform's library: what it takes to run `template.yml` on one machine,
//! as Lambda would, without Docker.
//!
//! A tour, in the order a request meets it (arrows point down the pipeline:
//! commands → server → platform → runtime → observe, template, datastore):
//!
//! - [`commands`] are `dev` and `invoke` (and `project`, the set-up
//!   they share with the benchmark, the `bench` crate beside this one).
//! - [`server`] is the HTTP front door: the gateway picks the function for a route and
//!   converts to and from payload 2.0, serves `web/`, the metrics and the status page;
//!   on the same port, Lambda's Invoke API.
//! - [`platform`] runs the functions: it owns the pools and the Runtime API listener.
//! - [`runtime`] is the Lambda side: the Runtime API the instances poll, their processes,
//!   and the pool that schedules requests onto them and scales them under a policy.
//! - [`template`] reads `template.yml` (short-form tags such as `!Ref` included),
//!   evaluates intrinsic functions and turns the functions into specs.
//! - [`datastore`] (the `todo-local-datastore` crate, which the tests use too) starts
//!   the DynamoDB and Secrets Manager emulators and creates the template's tables.
//! - [`observe`] is what a run records about itself (logs, statistics), which the
//!   runtime writes and the server shows.
//! - [`keys`] stores the local JWT key pair (generated, and tokens signed, by `shared`'s
//!   auth code); [`ids`] makes request ids.

pub mod commands;
pub mod ids;
pub mod keys;
pub mod observe;
pub mod platform;
pub mod runtime;
pub mod server;
pub mod template;

pub use local_datastore as datastore;

#[cfg(test)]
mod layers {
    //! The tour's arrows, checked: a module names only the modules below it.

    use std::path::{Path, PathBuf};

    /// Each top-level module and how deep in the pipeline it sits; a module may use
    /// only deeper ones.
    const DEPTH: [(&str, u8); 9] = [
        ("commands", 0),
        ("server", 1),
        ("platform", 2),
        ("runtime", 3),
        ("keys", 4),
        ("template", 4),
        ("observe", 4),
        ("ids", 5),
        ("datastore", 5),
    ];

    fn depth(module: &str) -> u8 {
        DEPTH
            .iter()
            .find(|(name, _)| *name == module)
            .unwrap_or_else(|| panic!("{module} is missing from the layers"))
            .1
    }

    /// The `.rs` files under `dir`, recursively.
    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn every_module_uses_only_the_modules_below_it() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&src, &mut files);
        for file in files {
            let relative = file.strip_prefix(&src).expect("under src");
            let first = relative
                .iter()
                .next()
                .and_then(|c| c.to_str())
                .expect("name");
            let module = first.trim_end_matches(".rs");
            if matches!(module, "lib" | "main") {
                continue;
            }
            let text = std::fs::read_to_string(&file).expect("source");
            let code = text.lines().filter(|l| !l.trim_start().starts_with("//"));
            for used in code.flat_map(|line| line.split("crate::").skip(1)) {
                let target: String = used
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if target.is_empty() || target == module {
                    continue;
                }
                assert!(
                    depth(&target) > depth(module),
                    "{} ({module}) uses crate::{target}, which is not below it",
                    relative.display()
                );
            }
        }
    }
}
