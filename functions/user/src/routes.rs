//! The user function's routes: register, log in, log out, the current user and the
//! deletion of one's account.

use axum::Router;
use axum::extract::State;
use axum::routing::{MethodRouter, get, post};
use shared::http::request::Buffered;
use shared::http::router::{finish, route};

use crate::UserState;
use crate::handlers;

type Users = State<&'static UserState>;

/// The function: its routes on `state`, with what every function shares.
pub fn router(state: &'static UserState) -> Router {
    let register: MethodRouter<&'static UserState> =
        post(|State(state): Users, Buffered(request)| async move {
            handlers::register::handle(state, &request).await
        });
    let logout: MethodRouter<&'static UserState> =
        post(|State(state): Users, Buffered(request)| async move {
            handlers::logout::handle(state, &request).await
        });
    let login = post(|State(state): Users, Buffered(request)| async move {
        handlers::login::handle(state, &request).await
    });
    let current_user = get(|State(state): Users, Buffered(request)| async move {
        handlers::current_user::handle(state, &request).await
    })
    .delete(|State(state): Users, Buffered(request)| async move {
        handlers::delete_account::handle(state, &request).await
    });
    let routes = [
        ("/api/register", register.clone()),
        ("/user/register", register),
        ("/api/login/account", login),
        ("/api/login/outLogin", logout.clone()),
        ("/api/logout", logout),
        ("/api/currentUser", current_user),
    ]
    .into_iter()
    .fold(Router::new(), |router, (path, methods)| {
        route(router, path, methods)
    });
    finish(routes.with_state(state))
}
