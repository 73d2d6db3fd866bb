//! The local user that `invoke` fills sample events in for: `{{token}}` and `{{key}}`.
//!
//! - `{{token}}` becomes a token for the user (registered through the user function
//!   when missing, with [`LOCAL_PASSWORD`]), signed with the local key pair by
//!   `shared`'s issuer, its session opened by `shared`'s session store: the code the
//!   user function's login runs.
//! - `{{key}}` becomes the key of the user's newest todo; when they have none, one is
//!   created through the function that serves `POST /api/rule`, so `rule-get.json`,
//!   `rule-update.json` and `rule-delete.json` act on a todo that exists.
//!
//! Users and todos go through the real functions; `shared`'s stores find the user's id
//! and open the token's session, as the user function's login does.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use shared::domain::UserName;
use shared::store::{Datastore, SessionStore, UserStore};

use crate::commands::CommandError;
use crate::datastore::dynamo::local_client;
use crate::keys::{KeyPair, TokenRequest, mint};
use crate::platform::Platform;
use crate::server::event::local_event;
use crate::template::functions::FunctionSpec;

/// The placeholder replaced by a token.
pub const TOKEN_PLACEHOLDER: &str = "{{token}}";
/// The placeholder replaced by the key of one of the user's todos.
pub const KEY_PLACEHOLDER: &str = "{{key}}";
/// The password of users `invoke` registers.
pub const LOCAL_PASSWORD: &str = "local-password";

/// A local user with a token, as far as `invoke` needs one.
#[derive(Debug, Clone)]
pub struct SampleUser {
    /// The user's id (`sub`).
    pub user_id: String,
    /// A token for them.
    pub token: String,
}

/// The table of `function` on the local emulator, as its environment names them.
fn datastore_of(function: &FunctionSpec) -> Result<Datastore, CommandError> {
    let env = |name: &str| {
        function.environment.get(name).ok_or_else(|| {
            CommandError::Message(format!("{} has no {name} locally", function.name))
        })
    };
    Ok(Datastore::from_client(
        local_client(env("DYNAMODB_ENDPOINT")?),
        env("TABLE_NAME")?,
    ))
}

/// Finds or registers `name` through `user_function` and mints a token for them with
/// the issuer, audience and lifetime `target` expects.
pub async fn sign_in(
    platform: &Arc<Platform>,
    user_function: &str,
    target: &FunctionSpec,
    keys: &KeyPair,
    name: &str,
) -> Result<SampleUser, CommandError> {
    let datastore = datastore_of(target)?;
    let user_name = UserName::parse(name)
        .map_err(|e| CommandError::Message(format!("{name:?} is not a user name: {e}")))?;
    let users = UserStore::new(datastore.clone());
    let find = async || {
        users
            .find(user_name.normalized())
            .await
            .map_err(|e| CommandError::Message(format!("looking up user {name}: {e}")))
    };
    let user_id = match find().await? {
        Some(user) => user.user_id,
        None => {
            register(platform, user_function, name).await?;
            find().await?.map(|user| user.user_id).ok_or_else(|| {
                CommandError::Message(format!("user {name} was not found after registering"))
            })?
        }
    };
    let env = |k: &str, default: &str| {
        target
            .environment
            .get(k)
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    };
    let lifetime = env("JWT_TTL_SECONDS", "3600")
        .parse()
        .map_or(Duration::from_secs(3600), Duration::from_secs);
    let issued = mint(
        keys,
        &TokenRequest {
            user_id: &user_id,
            name: user_name.normalized(),
            issuer: &env("JWT_ISSUER", "todo-service"),
            audience: &env("JWT_AUDIENCE", "todo-web"),
            lifetime,
        },
    )?;
    SessionStore::new(datastore)
        .open(&user_id, &issued.session_id, issued.expires_at)
        .await
        .map_err(|e| CommandError::Message(format!("opening a session for {name}: {e}")))?
        .map_err(|_| CommandError::Message(format!("the account of {name} is being deleted")))?;
    Ok(SampleUser {
        user_id,
        token: issued.token,
    })
}

/// The key of `user`'s newest todo, creating one through `rule_function` when they
/// have none.
pub async fn newest_todo_key(
    platform: &Arc<Platform>,
    rule_function: &FunctionSpec,
    user: &SampleUser,
) -> Result<String, CommandError> {
    let bearer = format!("Bearer {}", user.token);
    let newest = call(
        platform,
        &rule_function.name,
        "GET",
        "/api/rule?current=1&pageSize=1",
        &[("authorization", &bearer)],
        "",
    )
    .await?;
    let listed = answered(&newest, 200).ok_or_else(|| {
        CommandError::Message(format!(
            "listing the todos of the sample user failed: {}",
            String::from_utf8_lossy(&newest)
        ))
    })?;
    if let Some(key) = listed["data"][0]["key"].as_str() {
        return Ok(key.to_owned());
    }
    let body = serde_json::json!({"name": "sample todo from make invoke"}).to_string();
    let created = call(
        platform,
        &rule_function.name,
        "POST",
        "/api/rule",
        &[
            ("content-type", "application/json"),
            ("authorization", &bearer),
        ],
        &body,
    )
    .await?;
    let key = answered(&created, 201)
        .and_then(|rule| rule["key"].as_str().map(str::to_owned))
        .ok_or_else(|| {
            CommandError::Message(format!(
                "creating a sample todo failed: {}",
                String::from_utf8_lossy(&created)
            ))
        })?;
    eprintln!("created a sample todo {key} for the event's {KEY_PLACEHOLDER}");
    Ok(key)
}

/// The JSON body of a function's payload 2.0 answer, when its status is `status`.
fn answered(answer: &[u8], status: u16) -> Option<Value> {
    let answer: Value = serde_json::from_slice(answer).ok()?;
    if answer["statusCode"] != status {
        return None;
    }
    serde_json::from_str(answer["body"].as_str()?).ok()
}

/// Registers `name` through the user function, as `POST /api/register` would.
async fn register(
    platform: &Arc<Platform>,
    user_function: &str,
    name: &str,
) -> Result<(), CommandError> {
    let body = serde_json::json!({"userName": name, "password": LOCAL_PASSWORD}).to_string();
    let answer = call(
        platform,
        user_function,
        "POST",
        "/api/register",
        &[("content-type", "application/json")],
        &body,
    )
    .await
    .map_err(|e| CommandError::Message(format!("registering {name}: {e}")))?;
    eprintln!(
        "registered local user {name} (password {LOCAL_PASSWORD:?}): {}",
        String::from_utf8_lossy(&answer)
    );
    Ok(())
}

/// Invokes `function` with a payload 2.0 event for `method` and `path`, under the
/// template's route for them; answers the raw result.
async fn call(
    platform: &Arc<Platform>,
    function: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<Bytes, CommandError> {
    let pool = platform
        .pool(function)
        .ok_or_else(|| CommandError::Message(format!("function {function} did not start")))?;
    let routes =
        crate::server::route_table(platform).map_err(|e| CommandError::Message(e.to_string()))?;
    let event = local_event(
        method,
        path,
        headers,
        body.as_bytes(),
        &routes,
        &crate::ids::request_id(),
    )
    .map_err(|e| CommandError::Message(e.to_string()))?;
    let outcome = pool
        .invoke(Bytes::from(event))
        .await
        .map_err(|e| CommandError::Message(format!("{method} {path}: {e}")))?;
    Ok(outcome.body)
}
