//! What the Lambda model costs a real function, next to the same binary as a plain
//! HTTP server: the `rule` binary reached
//!
//! - through the platform: gateway, routing, payload 2.0 event, the pool, one instance
//!   at the template's per-instance concurrency, the Runtime API (`next`, `response`),
//!   the answer converted back to HTTP;
//! - as a container: the same binary with the same environment and datastore serving
//!   HTTP itself (`PORT` set, no Runtime API), one process.
//!
//! The two requests of [`super::rule_user::rule_requests`], each compared on its own,
//! the two paths alternating in short stretches ([`super::load::alternating`]).
//! The difference is mostly the Runtime API itself (two more loopback HTTP exchanges
//! per invocation, the event and the answer as JSON), which Lambda has too; the
//! platform's own share is what [`super::overhead`] measures. CPU per request counts
//! this process (client and platform) and the serving process, not the emulator.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use local::commands::CommandError;
use local::runtime::pool::PoolSettings;
use local::template::functions::FunctionSpec;
use tokio::process::{Child, Command};

use super::load::{alternating, instance_pids, measured, over_http};
use super::rule_user::{rule_requests, signed_in_user_with_todos, user_and_rule};
use super::{BenchOptions, Call, Gateway, HttpClient, median};

/// How long the container-mode process may take to answer its first request.
const CONTAINER_START: Duration = Duration::from_secs(15);

/// The function binary serving plain HTTP on a loopback port.
struct Container {
    child: Child,
    base: String,
}

impl Container {
    /// Starts `spec`'s binary in container mode and waits until `call` is answered.
    async fn start(
        bin_dir: &Path,
        spec: &FunctionSpec,
        call: &Call,
        client: &HttpClient,
    ) -> Result<Self, CommandError> {
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0")
                .map_err(CommandError::io("finding a free port"))?;
            probe
                .local_addr()
                .map_err(CommandError::io("finding a free port"))?
                .port()
        };
        let mut command = Command::new(bin_dir.join(&spec.binary));
        command
            .env_clear()
            .envs(std::env::var("PATH").map(|p| ("PATH".to_owned(), p)))
            .envs(&spec.environment)
            .env("AWS_REGION", local::datastore::dynamo::LOCAL_REGION)
            .env("AWS_ACCESS_KEY_ID", "local")
            .env("AWS_SECRET_ACCESS_KEY", "local")
            .env("AWS_LAMBDA_LOG_FORMAT", &spec.log_format)
            .env(
                "AWS_LAMBDA_LOG_LEVEL",
                spec.log_level.as_deref().unwrap_or("INFO"),
            )
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        let child = command.spawn().map_err(CommandError::io(format!(
            "starting {} in container mode",
            spec.binary
        )))?;
        let container = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + CONTAINER_START;
        loop {
            match call.expect(client, &container.base).await {
                Ok(_) => return Ok(container),
                Err(e) if Instant::now() > deadline => return Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }

    fn pid(&self) -> Vec<u32> {
        self.child.id().into_iter().collect()
    }

    async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// Prints each round and the medians, per request.
pub(super) async fn measure(
    options: &BenchOptions,
    bin_dir: &Path,
    functions: &[FunctionSpec],
    client: &HttpClient,
) -> Result<(), CommandError> {
    let Some((user, rule)) = user_and_rule(functions, "container cost") else {
        return Ok(());
    };
    println!(
        "\n== container cost: the rule function through the platform vs the same binary \
         as a plain HTTP server (container mode), {:.1} s per run, {} rounds, concurrency {} ==",
        options.duration.as_secs_f64(),
        options.runs,
        rule.lifecycle.concurrency
    );
    let settings = PoolSettings {
        max_instances: 1,
        ..PoolSettings::default()
    };
    let gateway = Gateway::start(vec![user.clone(), rule.clone()], bin_dir, settings).await?;
    let result = async {
        let bearer = signed_in_user_with_todos(client, &gateway.base).await?;
        let requests = rule_requests(&bearer);
        let container = Container::start(bin_dir, rule, &requests[0].1, client).await?;
        let pool = gateway
            .platform
            .pool(&rule.name)
            .cloned()
            .ok_or_else(|| CommandError::Message("no rule pool".into()))?;
        let (gateway_base, container_base) = (gateway.base.as_str(), container.base.as_str());
        for (label, call) in &requests {
            call.expect(client, gateway_base).await?;
            call.expect(client, container_base).await?;
            let (mut platform_rps, mut container_rps, mut overheads) =
                (Vec::new(), Vec::new(), Vec::new());
            let (mut platform_cpu, mut container_cpu) = (Vec::new(), Vec::new());
            for round in 0..options.runs {
                let (p, s) = alternating(
                    round,
                    options.duration,
                    |stretch| {
                        let pids = instance_pids(&pool);
                        async move {
                            measured(&pids, over_http(client, call, gateway_base, stretch)).await
                        }
                    },
                    |stretch| {
                        let pid = container.pid();
                        async move {
                            measured(&pid, over_http(client, call, container_base, stretch))
                                .await
                        }
                    },
                )
                .await;
                let overhead = (1.0 - p.rps / s.rps) * 100.0;
                println!(
                    "  {label}, round {}: platform {:>6.0} req/s ({:.0} µs CPU) | container {:>6.0} req/s ({:.0} µs CPU) | cost {overhead:.1}%",
                    round + 1,
                    p.rps,
                    p.cpu_us,
                    s.rps,
                    s.cpu_us
                );
                platform_rps.push(p.rps);
                container_rps.push(s.rps);
                platform_cpu.push(p.cpu_us);
                container_cpu.push(s.cpu_us);
                overheads.push(overhead);
            }
            let (p, s) = (median(platform_rps), median(container_rps));
            println!(
                "  {label}: platform {p:.0} req/s, container {s:.0} req/s (medians); \
                 the Lambda model costs {:.1}% of medians, {:.1}% median of rounds; \
                 CPU per request {:.0} µs vs {:.0} µs",
                (1.0 - p / s) * 100.0,
                median(overheads),
                median(platform_cpu),
                median(container_cpu)
            );
        }
        container.stop().await;
        Ok(())
    }
    .await;
    gateway.stop().await;
    result
}
