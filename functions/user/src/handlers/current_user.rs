//! `GET /api/currentUser`: who the session belongs to.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::StatusCode;
use serde_json::json;
use shared::ApiError;
use shared::auth::session::authenticate;
use shared::http::response::json;
use shared::http::{Body, Request, Response};

use super::session_account;
use crate::UserState;

/// The logged-in user's profile.
pub async fn handle(state: &UserState, request: &Request) -> Result<Response<Body>, ApiError> {
    let session = authenticate(request.headers(), &state.verifier, &state.sessions).await?;
    let user = session_account(state, &session).await?;
    Ok(json(
        StatusCode::OK,
        &json!({
            "userid": user.user_id,
            "name": user.user_name,
            "avatar": avatar(&user.user_name),
            "access": "user",
            "createdAt": user.created_at,
        }),
    ))
}

/// A self-contained avatar (an initial on a colour picked from the name): no CDN needed.
fn avatar(name: &str) -> String {
    let initial = name
        .chars()
        .next()
        .map(|c| c.to_ascii_uppercase())
        .unwrap_or('?');
    let hue = name
        .bytes()
        .fold(0_u32, |h, b| (h * 31 + u32::from(b)) % 360);
    let svg = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' width='64' height='64'><rect width='64' height='64' rx='32' fill='hsl({hue},45%,35%)'/><text x='32' y='42' font-family='sans-serif' font-size='28' fill='#fff' text-anchor='middle'>{initial}</text></svg>"
    );
    format!("data:image/svg+xml;base64,{}", STANDARD.encode(svg))
}
