//! The user function: accounts and sessions.
//!
//! - [`routes`] maps a method and path to a [`routes::Route`] (or a 404/405).
//! - [`state`] is what the initializer builds once per instance.
//! - [`hashing`] runs Argon2 off the async runtime in a few reused memories.
//! - [`handlers`] holds one file per route: register, login, logout, current user,
//!   delete account; [`closing`] finishes an account's deletion.
//!
//! [`handle`] is the whole function: it never fails, every error becomes a
//! contract-shaped response.

pub mod closing;
pub mod handlers;
pub mod hashing;
pub mod routes;
pub mod state;

pub use state::UserState;

use lambda_http::{Body, Request, Response};
use routes::Route;

/// Answers one request.
pub async fn handle(state: &UserState, request: Request) -> Response<Body> {
    if let Err(error) = shared::http::path::refuse_dot_segments(&request) {
        return error.into_response();
    }
    let route = match Route::parse(request.method(), request.uri().path()) {
        Ok(route) => route,
        Err(error) => return error.into_response(),
    };
    let result = match route {
        Route::Register => handlers::register::handle(state, &request).await,
        Route::Login => handlers::login::handle(state, &request).await,
        Route::Logout => handlers::logout::handle(state, &request).await,
        Route::CurrentUser => handlers::current_user::handle(state, &request).await,
        Route::DeleteAccount => handlers::delete_account::handle(state, &request).await,
    };
    result.unwrap_or_else(shared::ApiError::into_response)
}
