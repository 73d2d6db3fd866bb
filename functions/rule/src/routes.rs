//! The rule function's routes: `/api/rule` and `/api/rule/{key}`.
//!
//! A path with a dot segment never gets here: `shared::http::path` refuses it first.

use http::Method;
use shared::ApiError;
use shared::http::path::route_path;

/// What a request asks the rule function to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `GET /api/rule`.
    List,
    /// `GET /api/rule/{key}`.
    Get(String),
    /// `POST /api/rule`: a create, or the write its body's `method` names.
    Post,
    /// `PUT /api/rule` (key in the body) or `PUT /api/rule/{key}`.
    Update(Option<String>),
    /// `DELETE /api/rule` (keys in the body) or `DELETE /api/rule/{key}`.
    Delete(Option<String>),
}

impl Route {
    /// Parses a method and path; an unknown path is a 404, a wrong method a 405.
    pub fn parse(method: &Method, path: &str) -> Result<Self, ApiError> {
        let path = route_path(path);
        let not_allowed = |allow: &str| ApiError::MethodNotAllowed {
            method: method.to_string(),
            allow: allow.to_owned(),
        };
        if path == "/api/rule" {
            return match *method {
                Method::GET => Ok(Self::List),
                Method::POST => Ok(Self::Post),
                Method::PUT => Ok(Self::Update(None)),
                Method::DELETE => Ok(Self::Delete(None)),
                _ => Err(not_allowed("GET, POST, PUT, DELETE")),
            };
        }
        if let Some(key) = path.strip_prefix("/api/rule/").filter(|k| !k.contains('/')) {
            let key = key.to_owned();
            return match *method {
                Method::GET => Ok(Self::Get(key)),
                Method::PUT => Ok(Self::Update(Some(key))),
                Method::DELETE => Ok(Self::Delete(Some(key))),
                _ => Err(not_allowed("GET, PUT, DELETE")),
            };
        }
        Err(ApiError::NotFound(format!(
            "There is no {method} {path} here."
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_with_and_without_a_key_are_told_apart() {
        assert_eq!(Route::parse(&Method::GET, "/api/rule"), Ok(Route::List));
        assert_eq!(
            Route::parse(&Method::GET, "/api/rule/abc"),
            Ok(Route::Get("abc".into()))
        );
        assert_eq!(
            Route::parse(&Method::PUT, "/api/rule/"),
            Ok(Route::Update(None))
        );
        assert!(Route::parse(&Method::GET, "/api/rule/a/b").is_err());
        assert_eq!(
            Route::parse(&Method::PATCH, "/api/rule")
                .expect_err("405")
                .status(),
            http::StatusCode::METHOD_NOT_ALLOWED
        );
    }
}
