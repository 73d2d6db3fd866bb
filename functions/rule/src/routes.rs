//! The rule function's routes: `/api/rule` (the list, and writes in bulk or by the
//! body's `method`) and `/api/rule/{key}` (one todo).
//!
//! Every route is protected: [`Authorized`] reads the body and verifies the token
//! before any handler runs.

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts as _, RawPathParams, State};
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
    let todo = get(get_one).put(update).delete(delete);
    let routes = route(Router::new(), "/api/rule", todos);
    finish(route(routes, "/api/rule/{key}", todo).with_state(state))
}

type Answer = Result<Response<Body>, ApiError>;
type Rules = State<&'static RuleState>;

/// A request with its body read and its token verified, and the `{key}` of its path
/// as the client sent it (percent-encoded), if it has one.
struct Authorized {
    token: VerifiedToken,
    request: Request,
    key: Option<String>,
}

impl FromRequest<&'static RuleState> for Authorized {
    type Rejection = ApiError;

    async fn from_request(
        request: axum::extract::Request,
        state: &&'static RuleState,
    ) -> Result<Self, ApiError> {
        let (mut parts, body) = request.into_parts();
        let params = RawPathParams::from_request_parts(&mut parts, state).await;
        let key = params
            .ok()
            .and_then(|p| p.iter().next().map(|(_, key)| key.to_owned()));
        let request = axum::extract::Request::from_parts(parts, body);
        let Buffered(request) = Buffered::from_request(request, state).await?;
        let token = verify(request.headers(), &state.verifier)?;
        Ok(Self {
            token,
            request,
            key,
        })
    }
}

async fn list(State(state): Rules, call: Authorized) -> Answer {
    handlers::list::handle(state, call.token, &call.request).await
}

async fn get_one(State(state): Rules, call: Authorized) -> Answer {
    let key = call.key.unwrap_or_default();
    handlers::get::handle(state, call.token, &key).await
}

async fn post(State(state): Rules, call: Authorized) -> Answer {
    handlers::post::handle(state, call.token, &call.request).await
}

async fn update(State(state): Rules, call: Authorized) -> Answer {
    handlers::update::handle(state, call.token, &call.request, call.key.as_deref()).await
}

async fn delete(State(state): Rules, call: Authorized) -> Answer {
    handlers::delete::handle(state, call.token, &call.request, call.key.as_deref()).await
}
