//! Serving the frontend from `web/` with `tower-http`'s file service: conditional
//! requests (`Last-Modified`/`If-Modified-Since`, and an `ETag` for `If-None-Match`),
//! `Range`, and precompressed `.br`/`.gz` files when they exist and the client accepts
//! them; the security headers `template.yml` sends from CloudFront, the same content
//! types as `scripts/upload-web.py`, and `index.html` for unknown non-asset paths
//! (client-side routing).
//!
//! What `web/.deployignore` ([`super::deploy_ignore`]) leaves out of the deployed site
//! answers 404, as a missing file does.
//!
//! `tower-http`'s `ServeDir` would find the file itself, but the exclusions, the
//! client-side routes and the `ETag` need to know the file first; once it is found,
//! `ServeFile` (a `ServeDir` of one file) answers.

use std::path::{Component, Path, PathBuf};
use std::time::UNIX_EPOCH;

use axum::body::Body;
use axum::extract::Request;
use http::{HeaderValue, Response, StatusCode, header};
use tower::ServiceExt as _;
use tower_http::services::ServeFile;

use crate::server::deploy_ignore::{DeployIgnore, DeployIgnoreError};
use crate::server::errors::error_response;

/// The Content-Security-Policy every static file carries.
/// `template.yml` (`WebSecurityHeaders`) sends the same value from CloudFront:
/// keep the two equal.
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

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

/// A weak validator of a file's content: its length and modification time.
fn etag(metadata: &std::fs::Metadata) -> Option<HeaderValue> {
    let modified = metadata.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    HeaderValue::from_str(&format!(
        "W/\"{:x}-{:x}\"",
        metadata.len(),
        modified.as_nanos()
    ))
    .ok()
}

/// Whether an `If-None-Match` value names `etag` (weak comparison, `*` included).
fn none_match(if_none_match: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(list) = if_none_match.to_str() else {
        return false;
    };
    let bare = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let ours = etag.to_str().map(bare).unwrap_or_default();
    list.split(',')
        .any(|tag| tag.trim() == "*" || bare(tag) == ours)
}

/// The frontend folder and what of it is not part of the site.
#[derive(Debug, Clone)]
pub struct StaticSite {
    root: PathBuf,
    ignore: DeployIgnore,
}

impl StaticSite {
    /// The site in `root`, with its `.deployignore`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, DeployIgnoreError> {
        let root = root.into();
        let ignore = DeployIgnore::read(&root)?;
        Ok(Self { root, ignore })
    }

    /// The file that answers `url_path`: the file it names, a folder's `index.html`, or
    /// the app's `index.html` for a path without an extension (a client-side route).
    async fn find(&self, url_path: &str) -> Option<(PathBuf, std::fs::Metadata)> {
        let decoded = percent_encoding::percent_decode_str(url_path)
            .decode_utf8()
            .ok()?;
        if self.ignore.excludes(&decoded) {
            return None;
        }
        let mut file = resolve(&self.root, url_path)?;
        let mut metadata = tokio::fs::metadata(&file).await;
        if metadata.as_ref().is_ok_and(std::fs::Metadata::is_dir) {
            file = file.join("index.html");
            metadata = tokio::fs::metadata(&file).await;
        }
        match metadata {
            Ok(m) if m.is_file() => Some((file, m)),
            _ if Path::new(url_path).extension().is_none() => {
                let index = self.root.join("index.html");
                let m = tokio::fs::metadata(&index)
                    .await
                    .ok()
                    .filter(|m| m.is_file())?;
                Some((index, m))
            }
            _ => None,
        }
    }

    /// Answers a `GET` or `HEAD`.
    pub async fn serve(&self, request: Request) -> Response<Body> {
        let url_path = request.uri().path().to_owned();
        let Some((file, metadata)) = self.find(&url_path).await else {
            return not_found(&url_path);
        };
        let etag = etag(&metadata);
        let (mut parts, _) = request.into_parts();
        let mut response = match (&etag, parts.headers.get(header::IF_NONE_MATCH)) {
            (Some(etag), Some(wanted)) if none_match(wanted, etag) => {
                let mut response = Response::new(Body::empty());
                *response.status_mut() = StatusCode::NOT_MODIFIED;
                response
            }
            (_, wanted) => {
                if wanted.is_some() {
                    // If-None-Match decides alone when present (RFC 9110, 13.2.2).
                    parts.headers.remove(header::IF_MODIFIED_SINCE);
                }
                let request = Request::from_parts(parts, Body::empty());
                match ServeFile::new(&file)
                    .precompressed_br()
                    .precompressed_gzip()
                    .oneshot(request)
                    .await
                {
                    Ok(response) => response.map(Body::new),
                    Err(never) => match never {},
                }
            }
        };
        let status = response.status();
        let headers = response.headers_mut();
        if status.is_success() {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(&file)),
            );
        }
        if let Some(etag) =
            etag.filter(|_| status.is_success() || status == StatusCode::NOT_MODIFIED)
        {
            headers.insert(header::ETAG, etag);
        }
        let is_html = content_type(&file).starts_with("text/html");
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
        // One folder per call: tests run in parallel, and a shared folder's list would be
        // truncated by one test's copy while another reads it.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("local-static-{}-{n}", std::process::id()));
        std::fs::create_dir_all(dir.join("js")).expect("mkdir");
        let list = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/.deployignore");
        std::fs::copy(list, dir.join(".deployignore")).expect("the repository's list");
        std::fs::write(dir.join("index.html"), "<h1>app</h1>").expect("write");
        std::fs::write(dir.join("js/app.mjs"), "export {}").expect("write");
        dir
    }

    async fn serve(root: &Path, path: &str, head: bool) -> Response<Body> {
        send(root, path, head, &[]).await
    }

    async fn send(root: &Path, path: &str, head: bool, headers: &[(&str, &str)]) -> Response<Body> {
        let site = StaticSite::open(root).expect("site");
        let mut request = Request::builder()
            .method(if head { "HEAD" } else { "GET" })
            .uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        site.serve(request.body(Body::empty()).expect("request"))
            .await
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

#[cfg(test)]
mod conditional_tests {
    use super::*;
    use http_body_util::BodyExt as _;

    fn site(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("local-static-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("index.html"), "<h1>app</h1>").expect("write");
        std::fs::write(dir.join("app.js"), "0123456789").expect("write");
        dir
    }

    async fn send(root: &Path, path: &str, headers: &[(&str, &str)]) -> Response<Body> {
        let mut request = Request::builder().uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let site = StaticSite::open(root).expect("site");
        site.serve(request.body(Body::empty()).expect("request"))
            .await
    }

    async fn text(r: Response<Body>) -> Vec<u8> {
        r.into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec()
    }

    #[tokio::test]
    async fn etags_and_dates_make_304s_with_the_security_headers() {
        let root = site("etag");
        let first = send(&root, "/app.js", &[]).await;
        assert_eq!(first.status(), 200);
        let etag = first.headers()["etag"].to_str().expect("etag").to_owned();
        assert!(etag.starts_with("W/\""), "{etag}");
        let modified = first.headers()["last-modified"]
            .to_str()
            .expect("date")
            .to_owned();
        for headers in [
            vec![("if-none-match", etag.as_str())],
            vec![("if-none-match", "\"other\", *")],
            vec![("if-modified-since", modified.as_str())],
        ] {
            let again = send(&root, "/app.js", &headers).await;
            assert_eq!(again.status(), 304, "{headers:?}");
            assert_eq!(again.headers()["content-security-policy"], CSP);
            assert_eq!(again.headers()["cache-control"], "public, max-age=300");
            assert!(text(again).await.is_empty());
        }
        // A tag that does not match wins over a date that would.
        let changed = send(
            &root,
            "/app.js",
            &[
                ("if-none-match", "W/\"old\""),
                ("if-modified-since", &modified),
            ],
        )
        .await;
        assert_eq!(changed.status(), 200);
        // Client-side routes are validated against index.html.
        let page = send(&root, "/todos/1", &[]).await;
        let page_etag = page.headers()["etag"].to_str().expect("etag").to_owned();
        assert_ne!(page_etag, etag);
        let again = send(&root, "/todos/2", &[("if-none-match", &page_etag)]).await;
        assert_eq!(again.status(), 304);
        assert_eq!(again.headers()["cache-control"], "no-cache");
    }

    #[tokio::test]
    async fn ranges_are_served() {
        let root = site("range");
        let part = send(&root, "/app.js", &[("range", "bytes=2-4")]).await;
        assert_eq!(part.status(), 206);
        assert_eq!(part.headers()["content-range"], "bytes 2-4/10");
        assert_eq!(
            part.headers()["content-type"],
            "text/javascript; charset=utf-8"
        );
        assert_eq!(text(part).await, b"234");
        let outside = send(&root, "/app.js", &[("range", "bytes=20-30")]).await;
        assert_eq!(outside.status(), 416);
    }

    #[tokio::test]
    async fn precompressed_files_go_to_clients_that_accept_them() {
        let root = site("precompressed");
        std::fs::write(root.join("app.js.gz"), "gzipped bytes").expect("write");
        let zipped = send(&root, "/app.js", &[("accept-encoding", "gzip, br")]).await;
        assert_eq!(zipped.status(), 200);
        assert_eq!(zipped.headers()["content-encoding"], "gzip");
        assert_eq!(
            zipped.headers()["content-type"],
            "text/javascript; charset=utf-8"
        );
        assert_eq!(text(zipped).await, b"gzipped bytes");
        let plain = send(&root, "/app.js", &[]).await;
        assert!(!plain.headers().contains_key("content-encoding"));
        assert_eq!(text(plain).await, b"0123456789");
    }
}
