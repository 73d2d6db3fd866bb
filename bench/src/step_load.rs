//! FaaS vs container scaling on one step load: the `rule` function's page of ten todos,
//! requested by 1 client, then 100 at once, then none, under
//!
//! - the concurrency policy (the FaaS rule: an instance starts whenever every
//!   instance has `PerInstanceConcurrency` requests), and
//! - the watermark policy with the template's instance bounds and watermarks
//!   (`Lifecycle`: one instance added per cooldown while any metric is above its high
//!   watermark, one removed while all stay below the low ones; at least one kept).
//!
//! Clients are closed loops (the next request when the last is answered). Both
//! policies get the same keep-alive for idle instances. Figures: requests answered,
//! errors (any status but 200, or no answer), latency p50/p99, the most instances,
//! cold starts, and instance-seconds (instances alive, summed over time). The last
//! round's instances and p99 over time are drawn in `<plots>/faas-vs-container.svg`.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use local::commands::CommandError;
use local::platform::PlatformConfig;
use local::runtime::container_scaling::watermark_settings;
use local::runtime::pool::PoolSettings;
use local::template::functions::FunctionSpec;
use plotters::prelude::*;

use super::growth::quantile;
use super::plot::{labelled_line, legend, svg_area};
use super::rule_user::{rule_requests, signed_in_user_with_todos, user_and_rule};
use super::{BenchOptions, Call, Gateway, HttpClient, median};

/// Clients during the step.
const STEP_CLIENTS: usize = 100;
/// How often the instances are counted.
const SAMPLE_EVERY: Duration = Duration::from_millis(100);

/// The load's phases, as multiples of `--seconds`.
struct Phases {
    warm: Duration,
    step: Duration,
    idle: Duration,
}

impl Phases {
    fn new(unit: Duration) -> Self {
        Self {
            warm: unit * 2,
            step: unit * 6,
            idle: unit * 6,
        }
    }

    fn total(&self) -> Duration {
        self.warm + self.step + self.idle
    }
}

/// One request: when it started (s), how long it took (ms), whether it was served,
/// and its status (0: no answer).
type Request = (f64, f64, bool, u16);

/// What one policy did.
struct Series {
    policy: &'static str,
    /// (seconds, live instances).
    instances: Vec<(f64, f64)>,
    requests: Vec<Request>,
    cold_starts: u64,
}

impl Series {
    fn errors(&self) -> usize {
        self.requests.iter().filter(|r| !r.2).count()
    }

    /// The failed requests' statuses and how many of each, e.g. `503 x12`.
    fn error_statuses(&self) -> String {
        let mut counts = std::collections::BTreeMap::new();
        for r in self.requests.iter().filter(|r| !r.2) {
            *counts.entry(r.3).or_insert(0) += 1;
        }
        counts
            .iter()
            .map(|(status, n)| match status {
                0 => format!("no answer x{n}"),
                s => format!("{s} x{n}"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn latency(&self, q: f64) -> f64 {
        let served: Vec<f64> = self.requests.iter().filter(|r| r.2).map(|r| r.1).collect();
        quantile(&served, q)
    }

    fn instance_seconds(&self) -> f64 {
        self.instances.iter().map(|s| s.1).sum::<f64>() * SAMPLE_EVERY.as_secs_f64()
    }

    fn peak(&self) -> f64 {
        self.instances.iter().map(|s| s.1).fold(0.0, f64::max)
    }

    /// p99 latency per second of the run, by when requests started.
    fn p99_per_second(&self, seconds: usize) -> Vec<(f64, f64)> {
        (0..seconds)
            .filter_map(|s| {
                let in_second: Vec<f64> = self
                    .requests
                    .iter()
                    .filter(|r| r.2 && r.0 >= s as f64 && r.0 < (s + 1) as f64)
                    .map(|r| r.1)
                    .collect();
                (!in_second.is_empty()).then(|| (s as f64 + 0.5, quantile(&in_second, 0.99)))
            })
            .collect()
    }
}

/// Runs both policies (alternating which goes first, up to two rounds), prints the
/// medians and writes the plot.
pub(super) async fn measure(
    options: &BenchOptions,
    bin_dir: &Path,
    functions: &[FunctionSpec],
    client: &HttpClient,
) -> Result<(), CommandError> {
    let Some((user, rule)) = user_and_rule(functions, "step load") else {
        return Ok(());
    };
    let phases = Phases::new(options.duration);
    let specs = vec![user.clone(), rule.clone()];
    let base = PoolSettings {
        keep_alive: options.duration * 3,
        ..PoolSettings::default()
    };
    let marks =
        watermark_settings(&specs, &base).map_err(|e| CommandError::Message(e.to_string()))?;
    println!(
        "\n== FaaS vs container scaling: {} (page of 10 todos), 1 client for {:.0} s, {STEP_CLIENTS} for {:.0} s, \
         then idle for {:.0} s; keep-alive {:.0} s; medians of {} rounds ==",
        rule.name,
        phases.warm.as_secs_f64(),
        phases.step.as_secs_f64(),
        phases.idle.as_secs_f64(),
        base.keep_alive.as_secs_f64(),
        options.runs.min(2)
    );
    let mut rounds: Vec<[Series; 2]> = Vec::new();
    for round in 0..options.runs.min(2) {
        let run = |watermark: bool| {
            let mut config = PlatformConfig::new(specs.clone(), bin_dir);
            config.settings = base.clone();
            if watermark {
                config.function_settings = marks.clone();
            }
            one_policy(config, watermark, &rule.name, &phases, client)
        };
        let (concurrency, watermark) = if round % 2 == 0 {
            let c = run(false).await?;
            (c, run(true).await?)
        } else {
            let w = run(true).await?;
            (run(false).await?, w)
        };
        rounds.push([concurrency, watermark]);
    }
    println!(
        "  {:<12} {:>9} {:>7} {:>9} {:>9} {:>10} {:>11} {:>11}",
        "policy",
        "requests",
        "errors",
        "p50 ms",
        "p99 ms",
        "instances",
        "cold starts",
        "instance-s"
    );
    for index in 0..2 {
        let of = |f: &dyn Fn(&Series) -> f64| median(rounds.iter().map(|r| f(&r[index])).collect());
        println!(
            "  {:<12} {:>9.0} {:>7.0} {:>9.1} {:>9.1} {:>10.0} {:>11.0} {:>11.1}",
            rounds[0][index].policy,
            of(&|s| s.requests.len() as f64 - s.errors() as f64),
            of(&|s| s.errors() as f64),
            of(&|s| s.latency(0.50)),
            of(&|s| s.latency(0.99)),
            of(&|s| s.peak()),
            of(&|s| s.cold_starts as f64),
            of(&|s| s.instance_seconds()),
        );
    }
    for round in &rounds {
        for series in round.iter().filter(|s| s.errors() > 0) {
            println!("  ({} errors: {})", series.policy, series.error_statuses());
        }
    }
    if let Some(last) = rounds.last() {
        draw(&options.plots.join("faas-vs-container.svg"), &phases, last)?;
    }
    Ok(())
}

/// One platform under one policy through the whole load.
async fn one_policy(
    config: PlatformConfig,
    watermark: bool,
    function: &str,
    phases: &Phases,
    client: &HttpClient,
) -> Result<Series, CommandError> {
    let gateway = Gateway::start_with(config).await?;
    let result = async {
        let bearer = signed_in_user_with_todos(client, &gateway.base).await?;
        let [_, (_, call)] = rule_requests(&bearer);
        let pool = gateway
            .platform
            .pool(function)
            .cloned()
            .ok_or_else(|| CommandError::Message(format!("no {function} pool")))?;
        let spawned_before = pool.status().spawned;
        let started = Instant::now();
        let requests: Arc<Mutex<Vec<Request>>> = Arc::default();
        let clients: Vec<_> = (0..STEP_CLIENTS)
            .map(|i| {
                let (from, until) = if i == 0 {
                    (Duration::ZERO, phases.warm + phases.step)
                } else {
                    (phases.warm, phases.warm + phases.step)
                };
                tokio::spawn(closed_loop(
                    client.clone(),
                    call.clone(),
                    gateway.base.clone(),
                    started,
                    from,
                    until,
                    requests.clone(),
                ))
            })
            .collect();
        let mut instances = Vec::new();
        while started.elapsed() < phases.total() {
            instances.push((
                started.elapsed().as_secs_f64(),
                pool.status().instances.len() as f64,
            ));
            tokio::time::sleep(SAMPLE_EVERY).await;
        }
        futures::future::join_all(clients).await;
        let requests =
            std::mem::take(&mut *requests.lock().unwrap_or_else(PoisonError::into_inner));
        Ok(Series {
            policy: if watermark {
                "watermark"
            } else {
                "concurrency"
            },
            instances,
            requests,
            cold_starts: pool.status().spawned - spawned_before,
        })
    }
    .await;
    gateway.stop().await;
    result
}

/// One client: from `from` to `until` after `started`, one request after the other.
async fn closed_loop(
    client: HttpClient,
    call: Call,
    base: String,
    started: Instant,
    from: Duration,
    until: Duration,
    requests: Arc<Mutex<Vec<Request>>>,
) {
    tokio::time::sleep_until((started + from).into()).await;
    while started.elapsed() < until {
        let sent = Instant::now();
        let status = call
            .send(&client, &base)
            .await
            .map_or(0, |(status, _)| status);
        let record = (
            sent.duration_since(started).as_secs_f64(),
            sent.elapsed().as_secs_f64() * 1000.0,
            call.served(status),
            status,
        );
        requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record);
    }
}

/// Draws instances and p99 per second over time, one line per policy, the step shaded.
fn draw(path: &Path, phases: &Phases, series: &[Series; 2]) -> Result<(), CommandError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(CommandError::io("creating the plots folder"))?;
    }
    let plot_error = |e: &dyn std::fmt::Display| {
        CommandError::Message(format!("drawing {}: {e}", path.display()))
    };
    let total = phases.total().as_secs_f64();
    let step = (
        phases.warm.as_secs_f64(),
        (phases.warm + phases.step).as_secs_f64(),
    );
    let root = svg_area(path, (760, 640)).map_err(|e| plot_error(&e))?;
    let root = root
        .titled(
            "FaaS (concurrency) vs container (watermark) scaling: rule, page of 10 todos",
            ("sans-serif", 18),
        )
        .map_err(|e| plot_error(&e))?;
    let panels = root.split_evenly((2, 1));
    let colours = [RGBColor(192, 57, 43), RGBColor(31, 111, 178)];
    let p99: Vec<Vec<(f64, f64)>> = series
        .iter()
        .map(|s| s.p99_per_second(total.ceil() as usize))
        .collect();
    let instances: Vec<Vec<(f64, f64)>> = series.iter().map(|s| s.instances.clone()).collect();
    for (panel, (title, lines)) in panels.iter().zip([
        ("instances", &instances),
        ("p99 latency per second (ms)", &p99),
    ]) {
        let top = lines.iter().flatten().map(|p| p.1).fold(1.0_f64, f64::max) * 1.15;
        let mut chart = ChartBuilder::on(panel)
            .margin(12)
            .x_label_area_size(34)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..total, 0.0..top)
            .map_err(|e| plot_error(&e))?;
        chart
            .configure_mesh()
            .x_desc("seconds")
            .y_desc(title)
            .draw()
            .map_err(|e| plot_error(&e))?;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(step.0, 0.0), (step.1, top)],
                BLUE.mix(0.06).filled(),
            )))
            .map_err(|e| plot_error(&e))?
            .label(format!("{STEP_CLIENTS} clients (1 before, none after)"))
            .legend(|(x, y)| {
                Rectangle::new([(x, y - 5), (x + 18, y + 5)], BLUE.mix(0.15).filled())
            });
        for ((s, points), colour) in series.iter().zip(lines.iter()).zip(colours) {
            let label = format!("{} policy", s.policy);
            labelled_line(&mut chart, points.clone(), label, colour, false)
                .map_err(|e| plot_error(&e))?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight).map_err(|e| plot_error(&e))?;
    }
    root.present().map_err(|e| plot_error(&e))?;
    println!("  drawn in {}", path.display());
    Ok(())
}
