//! The user function's routes.

use http::Method;
use shared::ApiError;

/// What a request asks the user function to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `POST /api/register` or `POST /user/register`.
    Register,
    /// `POST /api/login/account`.
    Login,
    /// `POST /api/login/outLogin` or `POST /api/logout`.
    Logout,
    /// `GET /api/currentUser`.
    CurrentUser,
}

impl Route {
    /// Parses a method and path; an unknown path is a 404, a wrong method a 405.
    pub fn parse(method: &Method, path: &str) -> Result<Self, ApiError> {
        let path = path
            .strip_suffix('/')
            .filter(|p| !p.is_empty())
            .unwrap_or(path);
        let (route, allowed) = match path {
            "/api/register" | "/user/register" => (Self::Register, Method::POST),
            "/api/login/account" => (Self::Login, Method::POST),
            "/api/login/outLogin" | "/api/logout" => (Self::Logout, Method::POST),
            "/api/currentUser" => (Self::CurrentUser, Method::GET),
            _ => {
                return Err(ApiError::NotFound(format!(
                    "There is no {method} {path} here."
                )));
            }
        };
        if *method != allowed {
            return Err(ApiError::MethodNotAllowed {
                method: method.to_string(),
                allow: allowed.to_string(),
            });
        }
        Ok(route)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_reach_the_same_route() {
        assert_eq!(
            Route::parse(&Method::POST, "/user/register"),
            Ok(Route::Register)
        );
        assert_eq!(
            Route::parse(&Method::POST, "/api/logout"),
            Ok(Route::Logout)
        );
    }

    #[test]
    fn a_wrong_method_is_405_and_an_unknown_path_404() {
        let error = Route::parse(&Method::GET, "/api/register").expect_err("405");
        assert_eq!(error.status(), http::StatusCode::METHOD_NOT_ALLOWED);
        let error = Route::parse(&Method::GET, "/api/nope").expect_err("404");
        assert_eq!(error.status(), http::StatusCode::NOT_FOUND);
    }
}
