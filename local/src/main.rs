//! `local-platform`: runs `template.yml` on one machine, as Lambda would.
//!
//! - `dev`: the whole app (emulator, tables, functions, gateway, frontend).
//! - `invoke`: one cold invocation of one function with a sample event.
//!
//! The benchmark (`make bench`) is its own crate, `bench/`, on this one's library.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use local::commands::{CommandError, dev, invoke, run_to_exit};

#[derive(Parser)]
#[command(
    name = "local-platform",
    version,
    about = "Run template.yml locally, as Lambda would, without Docker"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the emulator, the tables and every function behind the gateway.
    Dev {
        /// The SAM template.
        #[arg(long, default_value = "template.yml")]
        template: PathBuf,
        /// The frontend folder.
        #[arg(long, default_value = "web")]
        web: PathBuf,
        /// The gateway port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 3001)]
        port: u16,
        /// Where the emulator's data and the local JWT keys live.
        #[arg(long, default_value = ".data")]
        data_dir: PathBuf,
        /// Where the function binaries are (default: target/debug, then target/release).
        #[arg(long)]
        bin_dir: Option<PathBuf>,
        /// The scaling policy: concurrency or watermark.
        #[arg(long, default_value = "concurrency")]
        policy: String,
        /// Warm ("reserved") instances per function.
        #[arg(long, default_value_t = 0)]
        min_instances: usize,
        /// The most instances per function.
        #[arg(long, default_value_t = 20)]
        max_instances: usize,
        /// Seconds an idle instance lives.
        #[arg(long, default_value_t = 300)]
        keep_alive: u64,
        /// NAME=VALUE set in every instance's environment after the template's.
        #[arg(long = "env", value_parser = parse_env)]
        env: Vec<(String, String)>,
    },
    /// Invoke one function once with a sample event, like `sam local invoke`.
    Invoke {
        /// The function: short name (rule) or logical id (RuleFunction).
        #[arg(long)]
        function: String,
        /// The event JSON file; `{{token}}` in it becomes a token for --as.
        #[arg(long)]
        event: PathBuf,
        /// The local user the token is for (registered when missing).
        #[arg(long = "as", default_value = "alice")]
        user: String,
        /// The SAM template.
        #[arg(long, default_value = "template.yml")]
        template: PathBuf,
        /// Where the emulator's data and the local JWT keys live.
        #[arg(long, default_value = ".data")]
        data_dir: PathBuf,
        /// Where the function binaries are.
        #[arg(long)]
        bin_dir: Option<PathBuf>,
        /// NAME=VALUE set in every instance's environment after the template's.
        #[arg(long = "env", value_parser = parse_env)]
        env: Vec<(String, String)>,
    },
}

fn parse_env(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("{text:?} is not NAME=VALUE"))
}

fn main() -> ExitCode {
    run_to_exit(run(Cli::parse().command))
}

async fn run(command: Command) -> Result<(), CommandError> {
    match command {
        Command::Dev {
            template,
            web,
            port,
            data_dir,
            bin_dir,
            policy,
            min_instances,
            max_instances,
            keep_alive,
            env,
        } => {
            dev::run(dev::DevOptions {
                template,
                web,
                port,
                data_dir,
                bin_dir,
                policy: dev::policy_named(&policy)?,
                min_instances,
                max_instances,
                keep_alive: Duration::from_secs(keep_alive),
                env: env.into_iter().collect(),
            })
            .await
        }
        Command::Invoke {
            function,
            event,
            user,
            template,
            data_dir,
            bin_dir,
            env,
        } => {
            invoke::run(invoke::InvokeOptions {
                template,
                function,
                event,
                user,
                data_dir,
                bin_dir,
                env: env.into_iter().collect(),
            })
            .await
        }
    }
}
