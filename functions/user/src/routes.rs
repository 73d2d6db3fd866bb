//! The user function's routes.

use http::Method;
use shared::ApiError;
use shared::http::path::route_path;

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
    /// `DELETE /api/currentUser`: delete the account (password re-entered).
    DeleteAccount,
}

impl Route {
    /// Parses a method and path; an unknown path is a 404, a wrong method a 405.
    pub fn parse(method: &Method, path: &str) -> Result<Self, ApiError> {
        let path = route_path(path);
        let routes: &[(Method, Self)] = match path {
            "/api/register" | "/user/register" => &[(Method::POST, Self::Register)],
            "/api/login/account" => &[(Method::POST, Self::Login)],
            "/api/login/outLogin" | "/api/logout" => &[(Method::POST, Self::Logout)],
            "/api/currentUser" => &[
                (Method::GET, Self::CurrentUser),
                (Method::DELETE, Self::DeleteAccount),
            ],
            _ => {
                return Err(ApiError::NotFound(format!(
                    "There is no {method} {path} here."
                )));
            }
        };
        routes
            .iter()
            .find(|(allowed, _)| allowed == method)
            .map(|(_, route)| *route)
            .ok_or_else(|| ApiError::MethodNotAllowed {
                method: method.to_string(),
                allow: routes
                    .iter()
                    .map(|(allowed, _)| allowed.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
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
        let error = Route::parse(&Method::PUT, "/api/currentUser").expect_err("405");
        assert_eq!(error.status(), http::StatusCode::METHOD_NOT_ALLOWED);
        let error = Route::parse(&Method::GET, "/api/nope").expect_err("404");
        assert_eq!(error.status(), http::StatusCode::NOT_FOUND);
    }
}
