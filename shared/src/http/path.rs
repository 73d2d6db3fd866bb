//! The request path as the client sent it, and the dot segments it must not have.
//!
//! `lambda_http` builds each request's URI with a URL parser, which resolves dot
//! segments: `/api/rule/.` and `/api/rule/%2e` reach the handler as `/api/rule/`,
//! while API Gateway (and the local gateway) matched them to `/api/rule/{key}`. A
//! request meant for one todo would then list, create or delete in bulk. So the
//! functions look at the raw path, kept by `lambda_http` as an extension, and refuse
//! any `.` or `..` segment, literal or percent-encoded, with a 400. Plain HTTP (the
//! container mode, tests) has no such extension and no such rewriting: the URI's
//! path is the raw path there.

use lambda_http::RequestExt as _;

use crate::ApiError;

/// The path as the client sent it.
pub fn raw_path<B>(request: &http::Request<B>) -> &str {
    let raw = request.raw_http_path();
    if raw.is_empty() {
        request.uri().path()
    } else {
        raw
    }
}

/// Whether `path` has a `.` or `..` segment, literally or percent-encoded.
pub fn has_dot_segment(path: &str) -> bool {
    path.split('/').any(|segment| {
        let decoded = segment.replace("%2e", ".").replace("%2E", ".");
        decoded == "." || decoded == ".."
    })
}

/// The 400 for a path with a dot segment, or nothing.
pub fn refuse_dot_segments_in(path: &str) -> Result<(), ApiError> {
    if has_dot_segment(path) {
        return Err(ApiError::bad_request(
            "path",
            "The path has a `.` or `..` segment; send it without them.",
        ));
    }
    Ok(())
}

/// The 400 for a request whose raw path has a dot segment, or nothing.
pub fn refuse_dot_segments<B>(request: &http::Request<B>) -> Result<(), ApiError> {
    refuse_dot_segments_in(raw_path(request))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_are_found_in_any_spelling() {
        for path in [
            "/api/rule/.",
            "/api/rule/..",
            "/api/rule/%2e",
            "/api/rule/%2E%2e",
            "/api/rule/./",
            "/api/x/../rule",
        ] {
            assert!(has_dot_segment(path), "{path}");
        }
        for path in [
            "/api/rule",
            "/api/rule/",
            "/api/rule/.hidden",
            "/api/rule/a..b",
        ] {
            assert!(!has_dot_segment(path), "{path}");
        }
    }
}
