//! `POST /api/register`: a new account, its name unique without regard to case.

use http::StatusCode;
use serde_json::json;
use shared::ApiError;
use shared::domain::Registration;
use shared::http::body::parse_object;
use shared::http::response::json;
use shared::http::{Body, Request, Response};

use super::hash_password;
use crate::UserState;

/// Registers a user: 201 with the new id, 409 when the name is taken, 400 naming the
/// field for an invalid name or password (a password that is the name included).
pub async fn handle(state: &UserState, request: &Request) -> Result<Response<Body>, ApiError> {
    let body = parse_object(request.headers(), request.body())?;
    let registration = Registration::parse(&body)?;
    let hash = hash_password(state, registration.password.clone()).await?;
    match state.users.create(&registration.user_name, &hash).await? {
        Ok(user) => {
            tracing::info!(user_id = %user.user_id, "user registered");
            Ok(json(
                StatusCode::CREATED,
                &json!({"status": "ok", "currentAuthority": "user", "userid": user.user_id}),
            ))
        }
        Err(_taken) => Err(ApiError::Conflict(format!(
            "The user name {} is already taken; please choose another.",
            registration.user_name.as_str()
        ))),
    }
}
