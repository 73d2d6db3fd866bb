//! `local-platform invoke`: one cold invocation of one function with a sample event,
//! like `sam local invoke`.
//!
//! The response goes to standard output; the instance's logs, `START`, `END` and the
//! `REPORT` line (with its Init Duration) go to standard error. The literal `{{token}}`
//! in an event becomes a freshly minted token for a local user and `{{key}}` the key of
//! that user's newest todo ([`super::sample_user`]), so protected events work as they are.

use std::collections::BTreeMap;
use std::path::PathBuf;

use bytes::Bytes;

use crate::commands::CommandError;
use crate::commands::project::{
    Datastore, Endpoints, Secrets, find_bin_dir, local_functions, with_emulators,
};
use crate::commands::sample_user::{KEY_PLACEHOLDER, TOKEN_PLACEHOLDER, newest_todo_key, sign_in};
use crate::keys;
use crate::platform::{Platform, PlatformConfig};
use crate::runtime::pool::{Outcome, OutcomeKind};
use crate::template::Template;
use crate::template::functions::FunctionSpec;

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
    let outcome = with_emulators(&options.data_dir, true, async |datastore, secrets| {
        invoke(&options, &template, datastore, secrets).await
    })
    .await?;
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
    secrets: &Secrets,
) -> Result<Outcome, CommandError> {
    datastore.create_tables(template).await?;
    let keys = keys::load_or_create(&options.data_dir.join("jwt"))?;
    let endpoints = Endpoints {
        dynamodb: &datastore.endpoint,
        secrets_manager: &secrets.endpoint,
    };
    let mut functions = local_functions(template, endpoints, &keys)?;
    for f in &mut functions {
        f.environment.extend(options.env.clone());
    }
    secrets
        .put_keys(&functions, std::slice::from_ref(&keys))
        .await?;
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
    let needs_key = event.contains(KEY_PLACEHOLDER);
    let needs_token = needs_key || event.contains(TOKEN_PLACEHOLDER);
    let user_function = functions
        .iter()
        .find(|f| f.environment.contains_key("JWT_SIGNING_KEY_SECRET"))
        .cloned();
    let rule_function = functions
        .iter()
        .find(|f| {
            f.routes
                .iter()
                .any(|r| r.path == "/api/rule" && (r.method == "POST" || r.method == "ANY"))
        })
        .cloned();
    let mut run = vec![target.clone()];
    if needs_token {
        let user = user_function.clone().ok_or_else(|| {
            CommandError::Message("the event needs a token but no function mints them".into())
        })?;
        run.push(user);
    }
    if needs_key {
        run.push(rule_function.clone().ok_or_else(|| {
            CommandError::Message("the event needs a todo key but no function creates todos".into())
        })?);
    }
    run.dedup_by(|a, b| a.name == b.name);
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
            let user = sign_in(&platform, user, &target, &keys, &options.user).await?;
            if let Some(rule_function) = rule_function.as_ref().filter(|_| needs_key) {
                let key = newest_todo_key(&platform, rule_function, &user).await?;
                event = event.replace(KEY_PLACEHOLDER, &key);
            }
            event = event.replace(TOKEN_PLACEHOLDER, &user.token);
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
