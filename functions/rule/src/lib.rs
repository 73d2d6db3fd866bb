//! The rule function: each user's todos.
//!
//! - [`routes`] maps a method and path to a [`routes::Route`] (or a 400/404/405).
//! - [`state`] is what the initializer builds once per instance: the warmed stores and
//!   the token verifier (a public key only: this function cannot mint sessions).
//! - [`handlers`] holds one file per route (list, get, post, update, delete) and
//!   [`handlers::writes`], which carries out every write the same way, whichever way
//!   the client spelled it, with `Idempotency-Key` support and truthful answers.
//!
//! Every route is protected: [`handle`] verifies the token first, each handler checks
//! that its session is still open, and every store call is scoped to the
//! authenticated user's partition, so nobody can reach another's todos.

pub mod handlers;
pub mod routes;
pub mod state;

pub use state::RuleState;

use lambda_http::{Body, Request, Response};
use routes::Route;
use shared::auth::session::verify;

/// Answers one request.
pub async fn handle(state: &RuleState, request: Request) -> Response<Body> {
    if let Err(error) = shared::http::path::refuse_dot_segments(&request) {
        return error.into_response();
    }
    let route = match Route::parse(request.method(), request.uri().path()) {
        Ok(route) => route,
        Err(error) => return error.into_response(),
    };
    let token = match verify(request.headers(), &state.verifier) {
        Ok(token) => token,
        Err(error) => return error.into_response(),
    };
    let result = match route {
        Route::List => handlers::list::handle(state, token, &request).await,
        Route::Get(key) => handlers::get::handle(state, token, &key).await,
        Route::Post => handlers::post::handle(state, token, &request).await,
        Route::Update(key) => {
            handlers::update::handle(state, token, &request, key.as_deref()).await
        }
        Route::Delete(key) => {
            handlers::delete::handle(state, token, &request, key.as_deref()).await
        }
    };
    result.unwrap_or_else(shared::ApiError::into_response)
}
