//! `local-platform dev`: the whole app on one machine.
//!
//! Starts the DynamoDB emulator persisting under `<data-dir>/dynamodb` and the Secrets
//! Manager emulator, creates the tables, makes (once) the local JWT keys and puts the
//! signing key into its secret, runs every function of the template under
//! the platform, serves the gateway and the frontend, prints `READY <url>` on standard
//! output, and stops everything on Ctrl-C or SIGTERM.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use crate::commands::CommandError;
use crate::commands::project::{
    Datastore, Endpoints, Secrets, find_bin_dir, local_functions, with_emulators,
};
use crate::keys;
use crate::platform::{Platform, PlatformConfig};
use crate::runtime::container_scaling::watermark_settings;
use crate::runtime::policy::{Policy, Watermarks};
use crate::runtime::pool::PoolSettings;
use crate::template::Template;
use shared::shutdown::shutdown_signal;

/// Options of `dev`.
#[derive(Debug, Clone)]
pub struct DevOptions {
    /// The SAM template.
    pub template: PathBuf,
    /// The frontend folder.
    pub web: PathBuf,
    /// The gateway port on 127.0.0.1 (0 picks a free one).
    pub port: u16,
    /// Where the emulator's data and the JWT keys live.
    pub data_dir: PathBuf,
    /// Where the function binaries are; found in `target/` when `None`.
    pub bin_dir: Option<PathBuf>,
    /// The scaling policy.
    pub policy: Policy,
    /// Warm instances per function.
    pub min_instances: usize,
    /// The most instances per function.
    pub max_instances: usize,
    /// How long an idle instance lives.
    pub keep_alive: Duration,
    /// Variables set in every instance after the template's (`--env NAME=VALUE`).
    pub env: BTreeMap<String, String>,
}

/// The policy named on the command line.
pub fn policy_named(name: &str) -> Result<Policy, CommandError> {
    match name {
        "concurrency" => Ok(Policy::Concurrency),
        "watermark" => Ok(Policy::Watermark(Watermarks::default())),
        other => Err(CommandError::Message(format!(
            "unknown policy {other:?}: use concurrency or watermark"
        ))),
    }
}

/// Runs `dev` until a signal arrives.
pub async fn run(options: DevOptions) -> Result<(), CommandError> {
    let template = Template::load(&options.template)?;
    std::fs::create_dir_all(&options.data_dir)
        .map_err(CommandError::io("creating the data folder"))?;
    with_emulators(&options.data_dir, false, async |datastore, secrets| {
        serve(&options, &template, datastore, secrets).await
    })
    .await
}

async fn serve(
    options: &DevOptions,
    template: &Template,
    datastore: &Datastore,
    secrets: &Secrets,
) -> Result<(), CommandError> {
    for created in datastore.create_tables(template).await? {
        eprintln!("created table {created}");
    }
    let keys = keys::load_or_create(&options.data_dir.join("jwt"))?;
    let endpoints = Endpoints {
        dynamodb: &datastore.endpoint,
        secrets_manager: &secrets.endpoint,
    };
    let functions = local_functions(template, endpoints, &keys)?;
    secrets
        .put_keys(&functions, std::slice::from_ref(&keys))
        .await?;
    let binaries: Vec<String> = functions.iter().map(|f| f.binary.clone()).collect();
    let bin_dir = find_bin_dir(options.bin_dir.clone(), &binaries)?;
    let mut config = PlatformConfig::new(functions, bin_dir);
    config.overrides = options.env.clone();
    config.settings = PoolSettings {
        min_instances: options.min_instances,
        max_instances: options.max_instances,
        keep_alive: options.keep_alive,
        policy: options.policy.clone(),
        ..PoolSettings::default()
    };
    if matches!(options.policy, Policy::Watermark(_)) {
        // The template's instance bounds and watermarks, per function (Lifecycle).
        config.function_settings = watermark_settings(&config.functions, &config.settings)
            .map_err(|e| CommandError::Message(e.to_string()))?;
    }
    let platform = Platform::start(config).await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
        .await
        .map_err(CommandError::io(format!(
            "listening on 127.0.0.1:{}",
            options.port
        )))?;
    let address = listener
        .local_addr()
        .map_err(CommandError::io("reading the listener address"))?;
    let routes =
        crate::server::route_table(&platform).map_err(|e| CommandError::Message(e.to_string()))?;
    let serving = crate::server::ServerOptions {
        web_dir: Some(options.web.clone()),
        ..Default::default()
    };
    let server = crate::server::serve(&platform, listener, serving)
        .map_err(|e| CommandError::Message(e.to_string()))?;
    let url = format!("http://{address}");
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "READY {url}");
        let _ = out.flush();
    }
    eprintln!("  app:      {url}/");
    eprintln!("  status:   {url}/_local/");
    eprintln!("  metrics:  {url}/metrics");
    eprintln!(
        "  contract: {url}{}",
        crate::server::fixed_routes::OPENAPI_PATH
    );
    eprintln!(
        "  invoke:   {url}{}<function>/invocations (aws lambda invoke --endpoint-url {url})",
        crate::server::invoke_api::PREFIX
    );
    eprintln!(
        "  dynamodb: {} (data in {})",
        datastore.endpoint,
        options.data_dir.join("dynamodb").display()
    );
    eprintln!(
        "  secrets:  {} (signing key from {})",
        secrets.endpoint,
        options.data_dir.join("jwt").display()
    );
    for (method, path, function) in routes.describe() {
        eprintln!("  route:    {method:<6} {path:<24} -> {function}");
    }
    eprintln!(
        "  policy:   {} (Ctrl-C stops everything)",
        options.policy.name()
    );
    shutdown_signal().await;
    eprintln!("stopping: instances, gateway, emulators");
    platform.shutdown().await;
    server.abort();
    Ok(())
}
