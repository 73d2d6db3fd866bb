//! The rule function: each user's todos.
//!
//! - [`routes`] maps a method and path to a [`routes::Route`] (or a 404/405).
//! - [`state`] is what the initializer builds once per instance: the warmed store and
//!   the token verifier (a public key only: this function cannot mint sessions).
//! - [`handlers`] holds one file per operation: list, get, create, update, delete.
//!
//! Every route is protected: [`handle`] authenticates first, and every store call is
//! scoped to the authenticated user's partition, so nobody can reach another's todos.

pub mod handlers;
pub mod routes;
pub mod state;

pub use state::RuleState;

use lambda_http::{Body, Request, Response};
use routes::Route;
use shared::auth::session::authenticate;

/// Answers one request.
pub async fn handle(state: &RuleState, request: Request) -> Response<Body> {
    let route = match Route::parse(request.method(), request.uri().path()) {
        Ok(route) => route,
        Err(error) => return error.into_response(),
    };
    let user = match authenticate(request.headers(), &state.verifier) {
        Ok(user) => user,
        Err(error) => return error.into_response(),
    };
    let result = match route {
        Route::List => handlers::list::handle(state, &user, &request).await,
        Route::Get(key) => handlers::get::handle(state, &user, &key).await,
        Route::Create => handlers::create::handle(state, &user, &request).await,
        Route::Update(key) => {
            handlers::update::handle(state, &user, &request, key.as_deref()).await
        }
        Route::Delete(key) => {
            handlers::delete::handle(state, &user, &request, key.as_deref()).await
        }
    };
    result.unwrap_or_else(shared::ApiError::into_response)
}
