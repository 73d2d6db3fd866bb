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
//! Todos go through the real functions; the table is otherwise only read (to find the
//! user's id and newest todo), and written only to open the token's session.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use bytes::Bytes;

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

/// Where the sample user's data lives: the table of `target` on the local emulator.
struct Table {
    client: aws_sdk_dynamodb::Client,
    name: String,
}

impl Table {
    fn of(function: &FunctionSpec) -> Result<Self, CommandError> {
        let name = function
            .environment
            .get("TABLE_NAME")
            .ok_or_else(|| CommandError::Message(format!("{} has no TABLE_NAME", function.name)))?;
        let endpoint = function
            .environment
            .get("DYNAMODB_ENDPOINT")
            .ok_or_else(|| CommandError::Message("no local DynamoDB endpoint".into()))?;
        Ok(Self {
            client: local_client(endpoint),
            name: name.clone(),
        })
    }
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
    let table = Table::of(target)?;
    let user_id = match user_id(&table, name).await? {
        Some(id) => id,
        None => {
            register(platform, user_function, name).await?;
            user_id(&table, name).await?.ok_or_else(|| {
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
            name: &name.to_lowercase(),
            issuer: &env("JWT_ISSUER", "todo-service"),
            audience: &env("JWT_AUDIENCE", "todo-web"),
            lifetime,
        },
    )?;
    let sessions = shared::store::SessionStore::new(shared::store::Datastore::from_client(
        table.client.clone(),
        &table.name,
    ));
    sessions
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
    let table = Table::of(rule_function)?;
    if let Some(key) = newest_key(&table, &user.user_id).await? {
        return Ok(key);
    }
    let body = serde_json::json!({"name": "sample todo from make invoke"}).to_string();
    let created = call(
        platform,
        &rule_function.name,
        "POST",
        "/api/rule",
        &[
            ("content-type", "application/json"),
            ("authorization", &format!("Bearer {}", user.token)),
        ],
        &body,
    )
    .await?;
    let key = serde_json::from_slice::<serde_json::Value>(&created)
        .ok()
        .filter(|answer| answer["statusCode"] == 201)
        .and_then(|answer| {
            let body = answer["body"].as_str()?.to_owned();
            let rule: serde_json::Value = serde_json::from_str(&body).ok()?;
            rule["key"].as_str().map(str::to_owned)
        })
        .ok_or_else(|| {
            CommandError::Message(format!(
                "creating a sample todo failed: {}",
                String::from_utf8_lossy(&created)
            ))
        })?;
    eprintln!("created a sample todo {key} for the event's {KEY_PLACEHOLDER}");
    Ok(key)
}

/// The `userId` of the profile item of `name`, if registered.
async fn user_id(table: &Table, name: &str) -> Result<Option<String>, CommandError> {
    let item = table
        .client
        .get_item()
        .table_name(&table.name)
        .key(
            "pk",
            AttributeValue::S(format!("USER#{}", name.to_lowercase())),
        )
        .key("sk", AttributeValue::S("PROFILE".into()))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| {
            CommandError::Message(format!(
                "looking up user {name}: {}",
                aws_sdk_dynamodb::error::DisplayErrorContext(e)
            ))
        })?;
    Ok(item
        .item()
        .and_then(|i| i.get("userId"))
        .and_then(|v| v.as_s().ok())
        .cloned())
}

/// The key of the newest todo of `user_id` (todo keys are ULIDs: newest sorts last).
async fn newest_key(table: &Table, user_id: &str) -> Result<Option<String>, CommandError> {
    let found = table
        .client
        .query()
        .table_name(&table.name)
        .key_condition_expression("pk = :pk AND begins_with(sk, :rule)")
        .expression_attribute_values(":pk", AttributeValue::S(format!("OWNER#{user_id}")))
        .expression_attribute_values(":rule", AttributeValue::S("RULE#".into()))
        .scan_index_forward(false)
        .limit(1)
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| {
            CommandError::Message(format!(
                "looking up the todos of {user_id}: {}",
                aws_sdk_dynamodb::error::DisplayErrorContext(e)
            ))
        })?;
    Ok(found
        .items()
        .first()
        .and_then(|item| item.get("key"))
        .and_then(|v| v.as_s().ok())
        .cloned())
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
