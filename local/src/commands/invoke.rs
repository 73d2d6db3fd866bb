//! `local-platform invoke`: one cold invocation of one function with a sample event,
//! like `sam local invoke`.
//!
//! The response goes to standard output; the instance's logs, `START`, `END` and the
//! `REPORT` line (with its Init Duration) go to standard error. The literal `{{token}}`
//! in an event becomes a freshly minted token for a local user (registered through
//! the user function first when missing), so protected events work as they are.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use bytes::Bytes;

use crate::commands::CommandError;
use crate::commands::project::{Datastore, find_bin_dir, local_functions};
use crate::dynamo::local_client;
use crate::event::{RequestInfo, to_event};
use crate::functions::FunctionSpec;
use crate::keys::{self, KeyPair, TokenRequest, mint};
use crate::platform::{Platform, PlatformConfig};
use crate::pool::{Outcome, OutcomeKind};
use crate::template::Template;

/// The placeholder replaced by a token.
pub const TOKEN_PLACEHOLDER: &str = "{{token}}";
/// The password of users `invoke` registers.
const LOCAL_PASSWORD: &str = "local-password";

/// Options of `invoke`.
#[derive(Debug, Clone)]
pub struct InvokeOptions {
    /// The SAM template.
    pub template: PathBuf,
    /// The function: short name (`rule`) or logical id (`RuleFunction`).
    pub function: String,
    /// The event file.
    pub event: PathBuf,
    /// The user a `{{token}}` stands for.
    pub user: String,
    /// Where the emulator's data and the JWT keys live.
    pub data_dir: PathBuf,
    /// Where the function binaries are; found in `target/` when `None`.
    pub bin_dir: Option<PathBuf>,
    /// Variables set in every instance after the template's (`--env NAME=VALUE`).
    pub env: BTreeMap<String, String>,
}

fn find<'a>(functions: &'a [FunctionSpec], name: &str) -> Option<&'a FunctionSpec> {
    functions
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case(name) || f.logical_id.eq_ignore_ascii_case(name))
}

/// Runs one invocation and prints its response; fails when the function failed.
pub async fn run(options: InvokeOptions) -> Result<(), CommandError> {
    let template = Template::load(&options.template)?;
    std::fs::create_dir_all(&options.data_dir)
        .map_err(CommandError::io("creating the data folder"))?;
    let datastore = Datastore::reuse_or_start(&options.data_dir).await?;
    let result = invoke(&options, &template, &datastore).await;
    datastore.stop(Some(&options.data_dir)).await;
    let outcome = result?;
    println!("{}", pretty(&outcome.body));
    match outcome.kind {
        OutcomeKind::Response => Ok(()),
        OutcomeKind::Error => Err(CommandError::Message(
            "the function reported an error".into(),
        )),
    }
}

fn pretty(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned())
}

async fn invoke(
    options: &InvokeOptions,
    template: &Template,
    datastore: &Datastore,
) -> Result<Outcome, CommandError> {
    datastore.create_tables(template).await?;
    let keys = keys::load_or_create(&options.data_dir.join("jwt"))?;
    let mut functions = local_functions(template, &datastore.endpoint, &keys)?;
    for f in &mut functions {
        f.environment.extend(options.env.clone());
    }
    let target = find(&functions, &options.function)
        .ok_or_else(|| {
            let names: Vec<&str> = functions.iter().map(|f| f.name.as_str()).collect();
            CommandError::Message(format!(
                "no function {:?} in the template; there are {names:?}",
                options.function
            ))
        })?
        .clone();
    let mut event = std::fs::read_to_string(&options.event).map_err(CommandError::io(format!(
        "reading {}",
        options.event.display()
    )))?;
    let needs_token = event.contains(TOKEN_PLACEHOLDER);
    let user_function = functions
        .iter()
        .find(|f| f.environment.contains_key("JWT_PRIVATE_KEY"))
        .cloned();
    let mut run = vec![target.clone()];
    if needs_token {
        let user = user_function.clone().ok_or_else(|| {
            CommandError::Message("the event needs a token but no function mints them".into())
        })?;
        if user.name != target.name {
            run.push(user);
        }
    }
    let binaries: Vec<String> = run.iter().map(|f| f.binary.clone()).collect();
    let mut config = PlatformConfig::new(run, find_bin_dir(options.bin_dir.clone(), &binaries)?);
    config.echo_logs = true;
    let platform = Platform::start(config).await?;
    let result = async {
        if needs_token {
            let user = user_function
                .as_ref()
                .map(|u| u.name.as_str())
                .unwrap_or_default();
            let token = token_for(&platform, user, &target, &keys, &options.user).await?;
            event = event.replace(TOKEN_PLACEHOLDER, &token);
        }
        let pool = platform
            .pool(&target.name)
            .ok_or_else(|| CommandError::Message("the function did not start".into()))?;
        pool.invoke(Bytes::from(event))
            .await
            .map_err(|e| CommandError::Message(e.to_string()))
    }
    .await;
    platform.shutdown().await;
    result
}

/// A token for `name`, registering the user through the user function when missing.
async fn token_for(
    platform: &Arc<Platform>,
    user_function: &str,
    target: &FunctionSpec,
    keys: &KeyPair,
    name: &str,
) -> Result<String, CommandError> {
    let table = target
        .environment
        .get("TABLE_NAME")
        .ok_or_else(|| CommandError::Message(format!("{} has no TABLE_NAME", target.name)))?;
    let endpoint = target
        .environment
        .get("DYNAMODB_ENDPOINT")
        .ok_or_else(|| CommandError::Message("no local DynamoDB endpoint".into()))?;
    let client = local_client(endpoint);
    let user_id = match user_id(&client, table, name).await? {
        Some(id) => id,
        None => {
            register(platform, user_function, name).await?;
            user_id(&client, table, name).await?.ok_or_else(|| {
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
    Ok(mint(
        keys,
        &TokenRequest {
            user_id: &user_id,
            name: &name.to_lowercase(),
            issuer: &env("JWT_ISSUER", "todo-service"),
            audience: &env("JWT_AUDIENCE", "todo-web"),
            lifetime,
        },
    )?)
}

/// The `userId` of the profile item of `name`, if registered.
async fn user_id(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    name: &str,
) -> Result<Option<String>, CommandError> {
    let item = client
        .get_item()
        .table_name(table)
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

/// Registers `name` through the user function, as `POST /api/register` would.
async fn register(
    platform: &Arc<Platform>,
    user_function: &str,
    name: &str,
) -> Result<(), CommandError> {
    let pool = platform
        .pool(user_function)
        .ok_or_else(|| CommandError::Message("the user function did not start".into()))?;
    let body = serde_json::json!({"userName": name, "password": LOCAL_PASSWORD}).to_string();
    let request = http::Request::builder()
        .method("POST")
        .uri("/api/register")
        .header("host", "localhost")
        .header("content-type", "application/json")
        .body(())
        .map_err(|e| CommandError::Message(e.to_string()))?;
    let (parts, ()) = request.into_parts();
    let params = Default::default();
    let info = RequestInfo {
        route_key: "POST /api/register",
        path_parameters: &params,
        source_ip: "127.0.0.1",
        request_id: &crate::ids::request_id(),
    };
    let event = to_event(&parts, body.as_bytes(), &info);
    let outcome = pool
        .invoke(Bytes::from(event))
        .await
        .map_err(|e| CommandError::Message(format!("registering {name}: {e}")))?;
    eprintln!(
        "registered local user {name} (password {LOCAL_PASSWORD:?}): {}",
        String::from_utf8_lossy(&outcome.body)
    );
    Ok(())
}
