//! Peers: this project against what its users would otherwise run, side by side in
//! one run, on the same machine, emulator, table and load:
//!
//! - the same two functions written for Lambda's Node.js runtime (`bench/peers/node`),
//!   bundled as `sam build` bundles `BuildMethod: esbuild` and started as Lambda starts
//!   Node.js (a custom-runtime `bootstrap` running `aws-lambda-ric` on Node.js 22), on
//!   this platform, in both modes Lambda offers: on-demand (one request per instance,
//!   `aws-lambda-ric` without worker threads), the headline comparison, and the
//!   per-instance concurrency of Lambda Managed Instances (10, with its workers);
//! - `cargo lambda watch`, the tool Rust Lambda developers run locally, serving our
//!   release binaries through its own Runtime API and HTTP endpoint.
//!
//! One file per measurement: [`cold`] (init duration, first request on a cold
//! instance, idle memory and memory after 1,000 requests), [`warm`] (p50/p99 latency at
//! 1 and 10 clients, requests per second at 10 and 50, instance CPU per request),
//! [`package`] (sizes). [`systems`] starts and stops the three, [`clients`] is the load
//! and its alternation, [`report`] the table and the targets, [`chart`] the SVG.
//! [`baseline`] measures the functions beside the same functions built at another commit.

pub(super) mod baseline;
mod chart;
mod clients;
mod cold;
mod package;
mod report;
mod systems;
mod warm;

use std::path::{Path, PathBuf};

use local::commands::CommandError;
use local::commands::project::{Endpoints, local_functions};
use local::keys::KeyPair;
use local::runtime::pool::PoolSettings;
use local::template::Template;
use local::template::functions::FunctionSpec;

use super::rule_user::{rule_requests, signed_in_user_with_todos, user_and_rule};
use super::{Call, Gateway, OnTable};
use report::{Row, Target};
use systems::{Kind, Setup};

/// Where the Node.js peer lives, from the repository root.
pub(super) const NODE_DIR: &str = "bench/peers/node";
/// The `cargo-lambda` the Makefile installs (`CARGO_LAMBDA` overrides it).
const CARGO_LAMBDA: &str = ".venv/bin/cargo-lambda";

/// The Node.js peer's functions, from its template and `node build.mjs`'s output.
pub(super) fn node_functions(
    node_dir: &Path,
    endpoint: &str,
    keys: &KeyPair,
) -> Result<Vec<FunctionSpec>, CommandError> {
    let template = Template::load(node_dir.join("template.yml"))?;
    // The twin takes its keys from the environment (the Secrets Manager references of
    // its template have no local value): the local pair, as PEM.
    let endpoints = Endpoints {
        dynamodb: endpoint,
        secrets_manager: "",
    };
    let mut specs = local_functions(&template, endpoints, keys)?;
    for spec in &mut specs {
        spec.environment
            .insert("JWT_PUBLIC_KEY".into(), keys.public_pem.clone());
        if spec.name == "user" {
            spec.environment
                .insert("JWT_PRIVATE_KEY".into(), keys.private_pem.clone());
        }
    }
    // Absolute: the bootstrap is started in its own folder.
    let built = std::path::absolute(node_dir.join(".aws-sam/build"))
        .map_err(CommandError::io("resolving the Node.js peer's folder"))?;
    for spec in &mut specs {
        spec.package_dir = Some(built.join(&spec.logical_id));
    }
    specs.sort_by_key(|s| s.name != "user");
    Ok(specs)
}

/// The first line `program args` prints, or `?`.
fn version(program: &Path, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(|l| l.trim().to_owned())
        })
        .unwrap_or_else(|| "?".to_owned())
}

/// The `version` field of a `package.json`.
fn package_version(path: &Path) -> String {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["version"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// How many worker threads `aws-lambda-ric` starts when `AWS_LAMBDA_MAX_CONCURRENCY`
/// is set: `AWS_LAMBDA_NODEJS_WORKER_COUNT`, else 8 per vCPU of the cgroup's
/// `cpu.max` quota (all cores when unlimited, one when the file is missing), as its
/// `getWorkerCount` reckons.
fn ric_workers() -> String {
    if let Ok(count) = std::env::var("AWS_LAMBDA_NODEJS_WORKER_COUNT") {
        return count;
    }
    let cpus = match std::fs::read_to_string("/sys/fs/cgroup/cpu.max") {
        Ok(text) => {
            let mut fields = text.split_whitespace();
            match (
                fields.next(),
                fields.next().and_then(|p| p.parse::<u64>().ok()),
            ) {
                (Some("max"), _) => std::thread::available_parallelism().map_or(1, usize::from),
                (Some(quota), Some(period)) if period > 0 => quota
                    .parse::<u64>()
                    .map_or(1, |q| q.div_ceil(period) as usize),
                _ => 1,
            }
        }
        Err(_) => 1,
    };
    format!("{} (8 per vCPU of {cpus})", 8 * cpus)
}

/// The machine, for the conditions line.
fn machine() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    format!("{cores} cores ({model})")
}

/// Runs the comparison and prints the table; writes the chart to `<plots>/peers.svg`.
pub(super) async fn measure(on: &OnTable<'_>) -> Result<(), CommandError> {
    println!("\n== peers: ours vs the Node.js peer vs cargo lambda watch ==");
    let Some((user, rule)) = user_and_rule(on.functions, "peers") else {
        return Ok(());
    };
    let node_dir = PathBuf::from(NODE_DIR);
    if !node_dir
        .join(".aws-sam/build/UserFunction/bootstrap")
        .is_file()
    {
        println!("  (skipped: the Node.js peer is not built; `make peers` builds it)");
        return Ok(());
    }
    let ours = vec![user.clone(), rule.clone()];
    let cargo_lambda =
        std::env::var_os("CARGO_LAMBDA").map_or_else(|| PathBuf::from(CARGO_LAMBDA), PathBuf::from);
    let mut setups = vec![
        Setup {
            kind: Kind::Ours,
            functions: ours.clone(),
            bin_dir: on.bin_dir.to_owned(),
            cargo_lambda: cargo_lambda.clone(),
        },
        Setup {
            kind: Kind::NodeOnDemand,
            functions: super::cost::on_demand(node_functions(&node_dir, on.endpoint, on.keys)?),
            bin_dir: on.bin_dir.to_owned(),
            cargo_lambda: cargo_lambda.clone(),
        },
        Setup {
            kind: Kind::Node,
            functions: node_functions(&node_dir, on.endpoint, on.keys)?,
            bin_dir: on.bin_dir.to_owned(),
            cargo_lambda: cargo_lambda.clone(),
        },
    ];
    if cargo_lambda.is_file() {
        setups.push(Setup {
            kind: Kind::CargoLambda,
            functions: ours.clone(),
            bin_dir: on.bin_dir.to_owned(),
            cargo_lambda: cargo_lambda.clone(),
        });
    } else {
        println!(
            "  ({} is missing: cargo lambda is left out; `make peers` installs it)",
            cargo_lambda.display()
        );
    }
    let layer_node = node_dir.join(".aws-sam/build/NodeRuntimeLayer/bin/node");
    let node = if layer_node.is_file() {
        version(&layer_node, &["--version"])
    } else {
        format!(
            "{} (the machine's)",
            version(Path::new("node"), &["--version"])
        )
    };
    println!(
        "  conditions: {}; Node.js {node} with aws-lambda-ric {}: on-demand, no worker threads \
         (one request per instance), and at a per-instance concurrency of 10, {} worker \
         threads (its default there); ours at the template's concurrency (10) in both; {}; \
         {} (DynamoDB API emulator); \
         {} rounds, {:.1} s per load run, systems alternating in {} stretches",
        machine(),
        package_version(&node_dir.join("node_modules/aws-lambda-ric/package.json")),
        ric_workers(),
        if cargo_lambda.is_file() {
            version(&cargo_lambda, &["lambda", "--version"])
        } else {
            "no cargo lambda".to_owned()
        },
        local::datastore::server::engine(),
        on.options.runs,
        on.options.duration.as_secs_f64(),
        super::load::SEGMENTS
    );
    let names: Vec<&str> = setups.iter().map(|s| s.kind.label()).collect();

    let gateway = Gateway::start(ours.clone(), on.bin_dir, PoolSettings::default()).await?;
    let bearer = signed_in_user_with_todos(on.client, &gateway.base).await;
    gateway.stop().await;
    let bearer = bearer?;
    let cold_calls = [
        (
            "user",
            Call::get("/api/currentUser").header("authorization", &bearer),
        ),
        (
            "rule",
            Call::get("/api/rule?current=1&pageSize=10").header("authorization", &bearer),
        ),
    ];
    println!(
        "  cold starts ({} per system, the systems taking turns)...",
        on.options.runs
    );
    let cold = cold::measure(on.client, &setups, &cold_calls, on.options.runs).await?;

    let mut running = Vec::new();
    for setup in &setups {
        let mut system = setup.start().await?;
        system.start_functions()?;
        running.push(system);
    }
    let warm = async {
        let mut out = Vec::new();
        for (label, call) in rule_requests(&bearer) {
            for system in &running {
                call.expect(on.client, &system.base(&call.path)).await?;
            }
            let figures = warm::measure(
                on.client,
                &running,
                "rule",
                label,
                &call,
                on.options.runs,
                on.options.duration,
            )
            .await;
            out.push((label, figures));
        }
        Ok::<_, CommandError>(out)
    }
    .await;
    for system in running {
        system.stop().await;
    }
    let warm = warm?;
    for (label, figures) in &warm {
        for (name, w) in names.iter().zip(figures) {
            if w.failed > 0 {
                println!(
                    "  note: {name}, {label}: {} requests failed or got another status",
                    w.failed
                );
            }
        }
    }

    let rows = rows(&setups, &node_dir, &cold, &warm);
    println!();
    report::print(&names, &rows);
    // The headline: against Node.js on-demand (system 1); then against Node.js at a
    // per-instance concurrency (system 2).
    for (peer, mode) in [(1, "on-demand (headline)"), (2, "10 per instance")] {
        println!("  against node, {mode}:");
        let mut targets = Vec::new();
        for f in ["user", "rule"] {
            targets.push(Target {
                row: format!("init duration, {f}"),
                peer,
                factor: 30.0,
            });
            targets.push(Target {
                row: format!("idle RSS, {f}"),
                peer,
                factor: 5.0,
            });
        }
        for (label, _) in &warm {
            targets.push(Target {
                row: format!("{label}: instance CPU per request, 10 clients"),
                peer,
                factor: 3.0,
            });
        }
        report::verdicts(&names, &rows, &targets);
    }
    let path = on.options.plots.join("peers.svg");
    std::fs::create_dir_all(&on.options.plots)
        .map_err(CommandError::io("creating the plots folder"))?;
    let title = format!(
        "How many times better ours is (Node.js {node}, {})",
        machine()
    );
    std::fs::write(&path, chart::svg(&title, &names, &rows))
        .map_err(CommandError::io(format!("writing {}", path.display())))?;
    println!("  chart written to {}", path.display());
    Ok(())
}

/// The table's rows from the measurements.
fn rows(
    setups: &[Setup],
    node_dir: &Path,
    cold: &[Vec<cold::Cold>],
    warm: &[(&str, Vec<warm::Warm>)],
) -> Vec<Row> {
    let row = |label: String, unit, decimals, lower_is_better, values: Vec<Option<f64>>| Row {
        label,
        unit,
        decimals,
        values,
        lower_is_better,
    };
    let mut rows = Vec::new();
    for (f, function) in ["user", "rule"].iter().enumerate() {
        rows.push(row(
            format!("init duration, {function}"),
            "ms",
            1,
            true,
            cold.iter().map(|c| c[f].init_ms).collect(),
        ));
    }
    for (f, function) in ["user", "rule"].iter().enumerate() {
        rows.push(row(
            format!("first request, cold instance, {function}"),
            "ms",
            1,
            true,
            cold.iter().map(|c| Some(c[f].first_ms)).collect(),
        ));
    }
    for (f, function) in ["user", "rule"].iter().enumerate() {
        rows.push(row(
            format!("idle RSS, {function}"),
            "MiB",
            1,
            true,
            cold.iter().map(|c| Some(c[f].idle_mib)).collect(),
        ));
    }
    for (f, function) in ["user", "rule"].iter().enumerate() {
        rows.push(row(
            format!("RSS after 1,000 requests, {function}"),
            "MiB",
            1,
            true,
            cold.iter().map(|c| Some(c[f].after_mib)).collect(),
        ));
    }
    for (label, figures) in warm {
        let pick =
            |f: fn(&warm::Warm) -> f64| figures.iter().map(|w| Some(f(w))).collect::<Vec<_>>();
        rows.push(row(
            format!("{label}: p50, 1 client"),
            "ms",
            2,
            true,
            pick(|w| w.p50_1),
        ));
        rows.push(row(
            format!("{label}: p99, 1 client"),
            "ms",
            2,
            true,
            pick(|w| w.p99_1),
        ));
        rows.push(row(
            format!("{label}: p50, 10 clients"),
            "ms",
            2,
            true,
            pick(|w| w.p50_10),
        ));
        rows.push(row(
            format!("{label}: p99, 10 clients"),
            "ms",
            2,
            true,
            pick(|w| w.p99_10),
        ));
        rows.push(row(
            format!("{label}: req/s, 10 clients"),
            "",
            0,
            false,
            pick(|w| w.rps_10),
        ));
        rows.push(row(
            format!("{label}: req/s, 50 clients"),
            "",
            0,
            false,
            pick(|w| w.rps_50),
        ));
        rows.push(row(
            format!("{label}: instance CPU per request, 10 clients"),
            "µs",
            0,
            true,
            pick(|w| w.cpu_us_10),
        ));
    }
    let sizes: Vec<(u64, Option<u64>)> =
        setups.iter().map(|s| package::sizes(s, node_dir)).collect();
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    rows.push(row(
        "package size, both functions".into(),
        "MiB",
        1,
        true,
        sizes.iter().map(|s| Some(mib(s.0))).collect(),
    ));
    rows.push(row(
        "package + runtime it needs".into(),
        "MiB",
        1,
        true,
        sizes
            .iter()
            .map(|s| Some(mib(s.0 + s.1.unwrap_or(0))))
            .collect(),
    ));
    rows
}
