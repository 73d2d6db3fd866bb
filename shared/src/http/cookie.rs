//! The `jwtToken` session cookie: reading it from `Cookie`, writing and clearing it.

use http::{HeaderMap, header};

/// The cookie's name, as the Ant Design Pro frontend expects it.
pub const SESSION_COOKIE: &str = "jwtToken";

/// The value of cookie `name` in the request's `Cookie` headers.
///
/// Read pair by pair from the raw bytes: another cookie with a non-UTF-8 value (set by
/// some other site on the same domain) must not hide the session cookie.
pub fn read<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .flat_map(|v| v.as_bytes().split(|b| *b == b';'))
        .filter_map(|pair| std::str::from_utf8(pair).ok())
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim_matches('"'))
}

/// `Set-Cookie` for a new session that lasts `max_age_seconds`.
pub fn session(token: &str, max_age_seconds: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_seconds}{secure}"
    )
}

/// `Set-Cookie` that removes the session.
pub fn cleared(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; jwtToken=abc.def.ghi; lang=en"),
        );
        assert_eq!(read(&headers, SESSION_COOKIE), Some("abc.def.ghi"));
    }

    #[test]
    fn a_cookie_that_is_not_utf8_does_not_hide_the_session() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_bytes(b"junk=\xff\xfe; jwtToken=abc.def.ghi").expect("opaque bytes"),
        );
        assert_eq!(read(&headers, SESSION_COOKIE), Some("abc.def.ghi"));
    }

    #[test]
    fn the_session_cookie_is_http_only_and_lax() {
        let cookie = session("t", 3600, true);
        assert_eq!(
            cookie,
            "jwtToken=t; HttpOnly; SameSite=Lax; Path=/; Max-Age=3600; Secure"
        );
    }
}
