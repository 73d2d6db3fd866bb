//! The rule function's routes: `/api/rule` (the list, and writes in bulk or by the
//! body's `method`) and `/api/rule/{key}` (one todo).
//!
//! Every route is protected: [`Authorized`] reads the body and verifies the token
//! before any handler runs.

use axum::Router;
use axum::extract::{FromRequest, RawPathParams, State};
use axum::routing::get;
use shared::ApiError;
use shared::auth::session::{VerifiedToken, verify};
use shared::http::request::Buffered;
use shared::http::router::{finish, route};
use shared::http::{Body, Request, Response};

use crate::RuleState;
use crate::handlers;

/// The function: its routes on `state`, with what every function shares.
pub fn router(state: &'static RuleState) -> Router {
    let todos = get(list).post(post).put(update).delete(delete);
    let todo = get(get_one).put(update_one).delete(delete_one);
    let routes = route(Router::new(), "/api/rule", todos);
    finish(route(routes, "/api/rule/{key}", todo).with_state(state))
}

type Answer = Result<Response<Body>, ApiError>;
type Rules = State<&'static RuleState>;

/// A request with its body read and its token verified.
struct Authorized(VerifiedToken, Request);

impl FromRequest<&'static RuleState> for Authorized {
    type Rejection = ApiError;

    async fn from_request(
        request: axum::extract::Request,
        state: &&'static RuleState,
    ) -> Result<Self, ApiError> {
        let Buffered(request) = Buffered::from_request(request, state).await?;
        let token = verify(request.headers(), &state.verifier)?;
        Ok(Self(token, request))
    }
}

/// The `{key}` segment as the client sent it (percent-encoded).
fn key(params: &RawPathParams) -> &str {
    params.iter().next().map_or("", |(_, key)| key)
}

async fn list(State(state): Rules, Authorized(token, request): Authorized) -> Answer {
    handlers::list::handle(state, token, &request).await
}

async fn post(State(state): Rules, Authorized(token, request): Authorized) -> Answer {
    handlers::post::handle(state, token, &request).await
}

async fn update(State(state): Rules, Authorized(token, request): Authorized) -> Answer {
    handlers::update::handle(state, token, &request, None).await
}

async fn delete(State(state): Rules, Authorized(token, request): Authorized) -> Answer {
    handlers::delete::handle(state, token, &request, None).await
}

async fn get_one(
    State(state): Rules,
    params: RawPathParams,
    Authorized(token, _): Authorized,
) -> Answer {
    handlers::get::handle(state, token, key(&params)).await
}

async fn update_one(
    State(state): Rules,
    params: RawPathParams,
    Authorized(token, request): Authorized,
) -> Answer {
    handlers::update::handle(state, token, &request, Some(key(&params))).await
}

async fn delete_one(
    State(state): Rules,
    params: RawPathParams,
    Authorized(token, request): Authorized,
) -> Answer {
    handlers::delete::handle(state, token, &request, Some(key(&params))).await
}
