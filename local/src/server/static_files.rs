//! Serving the frontend from `web/`: security headers, content types, and
//! `index.html` for unknown non-API paths (client-side routing).
//!
//! Only the app is served: `web/tests/` (the browser tests and their
//! `node_modules`), `web/README.md`, any `node_modules` folder and any hidden
//! file or folder (`.DS_Store`, `.gitignore`, ...) answer 404, as a missing
//! file does. Keep this in step with `scripts/upload-web.py`, which leaves the
//! same files out of the deployed site (`EXCLUDED_DIRS`, `EXCLUDED_FILES`,
//! `EXCLUDED_ANYWHERE`, hidden names), so `make dev` serves what CloudFront serves.

use std::path::{Component, Path, PathBuf};

use axum::body::Body;
use http::{HeaderValue, Response, StatusCode, header};

use crate::server::errors::error_response;

/// The Content-Security-Policy every static file carries.
/// `template.yml` (`WebSecurityHeaders`) sends the same value from CloudFront:
/// keep the two equal.
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Top-level folders of `web/` that are not part of the site (as
/// `EXCLUDED_DIRS` in `scripts/upload-web.py`).
const EXCLUDED_DIRS: [&str; 1] = ["tests"];
/// Top-level files of `web/` that are not part of the site (as
/// `EXCLUDED_FILES` in `scripts/upload-web.py`).
const EXCLUDED_FILES: [&str; 1] = ["README.md"];

/// The content type for a file name.
pub fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json" | "map") => "application/json",
        Some("ico") => "image/x-icon",
        Some("txt") => "text/plain; charset=utf-8",
        Some("woff2") => "font/woff2",
        Some("webmanifest") => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// Adds the security headers static answers carry.
pub fn secure(response: &mut Response<Body>) {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// The file under `root` that `url_path` names, refusing anything that leaves `root`.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(url_path)
        .decode_utf8()
        .ok()?;
    let mut path = root.to_path_buf();
    for component in Path::new(decoded.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => path.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(path)
}

/// Whether `url_path` names something under `web/` that is not part of the
/// app: the tests, the README, `node_modules`, hidden files and folders.
/// Compared without regard to case, for case-insensitive file systems.
fn is_excluded(url_path: &str) -> bool {
    let Ok(decoded) = percent_encoding::percent_decode_str(url_path).decode_utf8() else {
        return false; // resolve() refuses it anyway
    };
    let parts: Vec<&str> = Path::new(decoded.trim_start_matches('/'))
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect();
    let named = |names: &[&str], part: &str| names.iter().any(|n| n.eq_ignore_ascii_case(part));
    let top_level = match parts.as_slice() {
        [] => false,
        [file] => named(&EXCLUDED_DIRS, file) || named(&EXCLUDED_FILES, file),
        [dir, ..] => named(&EXCLUDED_DIRS, dir),
    };
    top_level
        || parts
            .iter()
            .any(|p| p.starts_with('.') || p.eq_ignore_ascii_case("node_modules"))
}

/// Answers `GET`/`HEAD` of `url_path` from `root`.
pub async fn serve(root: &Path, url_path: &str, head: bool) -> Response<Body> {
    if is_excluded(url_path) {
        return not_found(url_path);
    }
    let mut file = resolve(root, url_path);
    if let Some(path) = &file
        && tokio::fs::metadata(path).await.is_ok_and(|m| m.is_dir())
    {
        file = Some(path.join("index.html"));
    }
    let found = match &file {
        Some(path) => tokio::fs::read(path)
            .await
            .ok()
            .map(|bytes| (path.clone(), bytes)),
        None => None,
    };
    let looks_like_asset = Path::new(url_path).extension().is_some();
    let (path, bytes) = match found {
        Some(hit) => hit,
        None if !looks_like_asset => {
            let index = root.join("index.html");
            match tokio::fs::read(&index).await {
                Ok(bytes) => (index, bytes),
                Err(_) => return not_found(url_path),
            }
        }
        None => return not_found(url_path),
    };
    let is_html = content_type(&path).starts_with("text/html");
    let length = bytes.len();
    let mut response = Response::new(if head {
        Body::empty()
    } else {
        Body::from(bytes)
    });
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&path)),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if is_html {
            "no-cache"
        } else {
            "public, max-age=300"
        }),
    );
    secure(&mut response);
    response
}

fn not_found(url_path: &str) -> Response<Body> {
    let mut response = error_response(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        &format!("{url_path} does not exist"),
    );
    secure(&mut response);
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;

    #[test]
    fn the_deployed_site_sends_the_same_csp_as_the_local_platform() {
        let template = include_str!("../../../template.yml");
        assert!(
            template.contains(&format!("ContentSecurityPolicy: \"{CSP}\"")),
            "template.yml's WebSecurityHeaders must carry the CSP of make dev: {CSP}"
        );
    }

    fn site() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("local-static-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("js")).expect("mkdir");
        std::fs::write(dir.join("index.html"), "<h1>app</h1>").expect("write");
        std::fs::write(dir.join("js/app.mjs"), "export {}").expect("write");
        dir
    }

    async fn body(r: Response<Body>) -> String {
        String::from_utf8(
            r.into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes()
                .to_vec(),
        )
        .expect("utf8")
    }

    #[tokio::test]
    async fn files_get_types_and_security_headers() {
        let root = site();
        let r = serve(&root, "/js/app.mjs", false).await;
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["content-type"],
            "text/javascript; charset=utf-8"
        );
        assert_eq!(r.headers()["content-security-policy"], CSP);
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert_eq!(r.headers()["referrer-policy"], "no-referrer");
        assert_eq!(body(r).await, "export {}");
    }

    #[tokio::test]
    async fn unknown_pages_get_the_index_and_unknown_assets_404() {
        let root = site();
        let r = serve(&root, "/todos/42", false).await;
        assert_eq!(r.status(), 200);
        assert_eq!(body(r).await, "<h1>app</h1>");
        let r = serve(&root, "/missing.png", false).await;
        assert_eq!(r.status(), 404);
        assert_eq!(r.headers()["content-type"], "application/json");
    }

    #[tokio::test]
    async fn tests_readme_node_modules_and_hidden_files_are_not_served() {
        let root = site();
        std::fs::create_dir_all(root.join("tests/node_modules/pkg")).expect("mkdir");
        std::fs::create_dir_all(root.join("app/node_modules")).expect("mkdir");
        std::fs::create_dir_all(root.join(".git")).expect("mkdir");
        for file in [
            "tests/run.mjs",
            "tests/node_modules/pkg/index.js",
            "tests/index.html",
            "app/node_modules/x.js",
            "README.md",
            ".env",
            ".git/config",
            "js/.hidden.mjs",
        ] {
            std::fs::write(root.join(file), "private").expect("write");
        }
        for path in [
            "/tests/run.mjs",
            "/tests/node_modules/pkg/index.js",
            "/tests/",
            "/tests",
            "/TESTS/run.mjs",
            "/tests%2Frun.mjs",
            "/./tests/run.mjs",
            "/app/node_modules/x.js",
            "/README.md",
            "/readme.md",
            "/README%2emd",
            "/.env",
            "/.git/config",
            "/js/.hidden.mjs",
        ] {
            for head in [false, true] {
                let r = serve(&root, path, head).await;
                assert_eq!(r.status(), 404, "{path} must not be served");
                assert_eq!(r.headers()["content-type"], "application/json", "{path}");
                assert_eq!(r.headers()["content-security-policy"], CSP, "{path}");
                if !head {
                    let text = body(r).await;
                    assert!(!text.contains("private"), "{path}: {text}");
                    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
                    assert_eq!(json["success"], false, "{path}");
                    assert_eq!(json["errorCode"], "NOT_FOUND", "{path}");
                    assert!(json["errorMessage"].is_string(), "{path}");
                }
            }
        }
        // names that only look alike are still served
        std::fs::write(root.join("js/tests.mjs"), "export {}").expect("write");
        assert_eq!(serve(&root, "/js/tests.mjs", false).await.status(), 200);
        assert_eq!(serve(&root, "/js/app.mjs", false).await.status(), 200);
        assert_eq!(serve(&root, "/", false).await.status(), 200);
        assert_eq!(serve(&root, "/testsuite", false).await.status(), 200); // the app's index
    }

    #[test]
    fn the_csp_limits_forms_base_and_framing() {
        for directive in [
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ] {
            assert!(CSP.contains(directive), "CSP lacks {directive}: {CSP}");
        }
    }

    #[tokio::test]
    async fn paths_cannot_leave_the_root() {
        let root = site();
        assert!(resolve(&root, "/../etc/passwd").is_none());
        assert!(resolve(&root, "/%2e%2e/etc/passwd").is_none());
        let r = serve(&root, "/..%2f..%2fetc%2fpasswd.txt", false).await;
        assert_eq!(r.status(), 404);
    }
}
