//! `web/.deployignore`: what under `web/` is not part of the site, the one list that
//! both the local platform ([`super::static_files`]) and `scripts/upload-web.py` read,
//! so `make dev` serves what CloudFront serves.
//!
//! One pattern a line (`#` starts a comment), compared without regard to case:
//! `/name` is that file or folder at the top of `web/` only, `name` a file or folder of
//! that name at any depth, and `.*` any name that starts with a dot.

use std::path::{Component, Path};

/// The file's name, in the web folder.
pub const FILE_NAME: &str = ".deployignore";

/// Why the file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DeployIgnoreError {
    /// It exists but cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A line is not one of the patterns the file may have.
    #[error("{path}:{line}: {pattern:?} is not /name, name or .*")]
    Pattern {
        /// The file.
        path: String,
        /// The line number, from 1.
        line: usize,
        /// The line.
        pattern: String,
    },
}

/// The parsed list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeployIgnore {
    top_level: Vec<String>,
    anywhere: Vec<String>,
    hidden: bool,
}

impl DeployIgnore {
    /// The list of `web_dir`, or an empty one when it has no such file.
    pub fn read(web_dir: &Path) -> Result<Self, DeployIgnoreError> {
        let path = web_dir.join(FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text).map_err(|(line, pattern)| DeployIgnoreError::Pattern {
                path: path.display().to_string(),
                line,
                pattern,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(DeployIgnoreError::Read {
                path: path.display().to_string(),
                source,
            }),
        }
    }

    /// The list in `text`; the line number and text of the first bad pattern otherwise.
    pub fn parse(text: &str) -> Result<Self, (usize, String)> {
        let mut list = Self::default();
        for (i, line) in text.lines().enumerate() {
            let pattern = line.trim();
            if pattern.is_empty() || pattern.starts_with('#') {
                continue;
            }
            let bad = || (i + 1, pattern.to_owned());
            if pattern == ".*" {
                list.hidden = true;
                continue;
            }
            let (name, top) = match pattern.strip_prefix('/') {
                Some(name) => (name, true),
                None => (pattern, false),
            };
            if name.is_empty() || name.contains(['/', '*', '\\']) || name == "." || name == ".." {
                return Err(bad());
            }
            let names = if top {
                &mut list.top_level
            } else {
                &mut list.anywhere
            };
            names.push(name.to_ascii_lowercase());
        }
        Ok(list)
    }

    /// Whether the path (relative to `web/`, `/`-separated, already decoded) names
    /// something the list leaves out, or something inside it.
    pub fn excludes(&self, relative: &str) -> bool {
        let parts = Path::new(relative.trim_start_matches('/'))
            .components()
            .filter_map(|c| match c {
                Component::Normal(part) => part.to_str(),
                _ => None,
            });
        parts.enumerate().any(|(depth, part)| {
            let is = |name: &String| name.eq_ignore_ascii_case(part);
            (self.hidden && part.starts_with('.'))
                || self.anywhere.iter().any(is)
                || (depth == 0 && self.top_level.iter().any(is))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repository_list() -> DeployIgnore {
        let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web");
        DeployIgnore::read(&web).expect("web/.deployignore")
    }

    #[test]
    fn the_repository_list_leaves_out_tests_readme_packages_and_hidden_files() {
        let list = repository_list();
        for path in [
            "tests/run.mjs",
            "tests",
            "TESTS/x",
            "README.md",
            "readme.md",
            "app/node_modules/x.js",
            "node_modules",
            ".env",
            ".git/config",
            "js/.hidden.mjs",
            ".deployignore",
        ] {
            assert!(list.excludes(path), "{path}");
        }
        for path in [
            "index.html",
            "js/tests.mjs",
            "app/tests/x.js",
            "app/README.md",
            "testsuite",
            "",
        ] {
            assert!(!list.excludes(path), "{path}");
        }
    }

    #[test]
    fn other_patterns_are_refused_with_their_line() {
        assert_eq!(
            DeployIgnore::parse("# c\n\n/a/b\n"),
            Err((3, "/a/b".to_owned()))
        );
        assert!(DeployIgnore::parse("*.map").is_err());
        assert!(DeployIgnore::parse("/").is_err());
        assert_eq!(DeployIgnore::parse(""), Ok(DeployIgnore::default()));
    }

    #[test]
    fn a_folder_without_the_file_leaves_nothing_out() {
        let list = DeployIgnore::read(Path::new("/nonexistent")).expect("empty");
        assert!(!list.excludes("tests/x"));
    }
}
