//! `local-platform bench`: the figures the issue asks for, as medians.
//!
//! - cold start: spawn to first `next` (init duration) per function;
//! - first-request latency through the gateway, cold vs warm;
//! - warm requests per second of one instance through the gateway versus a bare HTTP
//!   front that hands a prebuilt event to the same pool (same client, same kind of
//!   connection, alternating in each round), and in-process calls for reference, each
//!   with its CPU time per request (this process plus the instance, from `/proc`): work
//!   done rather than time waited, though on shared cores it still moves with load;
//! - resident memory per idle instance;
//! - scale-out: 100 concurrent requests from zero instances at concurrency 10.
//!
//! The test function (`platform-test-function`) is always measured; the template's
//! functions too when their binaries are built (with an in-memory emulator).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::commands::CommandError;
use crate::commands::project::{Datastore, local_functions};
use crate::event::{RequestInfo, to_event};
use crate::functions::{FunctionSpec, RouteSpec};
use crate::keys::KeyPair;
use crate::platform::{Platform, PlatformConfig};
use crate::pool::PoolSettings;
use crate::template::Template;

/// The test function's binary.
const PROBE: &str = "platform-test-function";

/// Options of `bench`.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// The SAM template.
    pub template: PathBuf,
    /// Where the binaries are.
    pub bin_dir: Option<PathBuf>,
    /// Repetitions per figure.
    pub runs: usize,
    /// Length of each throughput run.
    pub duration: Duration,
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

struct Gateway {
    platform: Arc<Platform>,
    base: String,
    server: tokio::task::JoinHandle<()>,
}

impl Gateway {
    async fn start(
        functions: Vec<FunctionSpec>,
        bin_dir: &std::path::Path,
        settings: PoolSettings,
    ) -> Result<Self, CommandError> {
        let mut config = PlatformConfig::new(functions, bin_dir);
        config.settings = settings;
        config.echo_logs = false;
        let platform = Platform::start(config).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(CommandError::io("binding the bench gateway"))?;
        let base = format!(
            "http://{}",
            listener
                .local_addr()
                .map_err(CommandError::io("bench address"))?
        );
        let server = platform.serve(listener);
        Ok(Self {
            platform,
            base,
            server,
        })
    }

    async fn stop(self) {
        self.platform.shutdown().await;
        self.server.abort();
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

async fn request(
    client: &HttpClient,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<u16, CommandError> {
    let mut builder = http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let req = builder
        .body(Full::new(Bytes::from(body.to_owned())))
        .map_err(|e| CommandError::Message(e.to_string()))?;
    let response = client
        .request(req)
        .await
        .map_err(|e| CommandError::Message(format!("{url}: {e}")))?;
    let status = response.status().as_u16();
    let _ = response.into_body().collect().await;
    Ok(status)
}

/// A probe request for one function: method, path, headers, body.
#[derive(Clone)]
struct Probe {
    spec: FunctionSpec,
    method: &'static str,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Probe {
    async fn send(&self, client: &HttpClient, base: &str) -> Result<u16, CommandError> {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        request(
            client,
            self.method,
            &format!("{base}{}", self.path),
            &headers,
            &self.body,
        )
        .await
    }

    fn event(&self, route_key: &str) -> Result<Bytes, CommandError> {
        let mut builder = http::Request::builder()
            .method(self.method)
            .uri(&self.path)
            .header("host", "localhost");
        for (k, v) in &self.headers {
            builder = builder.header(k, v);
        }
        let (parts, ()) = builder
            .body(())
            .map_err(|e| CommandError::Message(e.to_string()))?
            .into_parts();
        let params = Default::default();
        let info = RequestInfo {
            route_key,
            path_parameters: &params,
            source_ip: "127.0.0.1",
            request_id: "bench",
        };
        Ok(Bytes::from(to_event(&parts, self.body.as_bytes(), &info)))
    }
}

fn probe_function() -> Probe {
    let mut spec = FunctionSpec::new("probe", PROBE);
    spec.routes = vec![RouteSpec {
        method: "ANY".into(),
        path: "/{proxy+}".into(),
    }];
    spec.lifecycle.concurrency = 10;
    Probe {
        spec,
        method: "GET",
        path: "/ping".into(),
        headers: Vec::new(),
        body: String::new(),
    }
}

/// Runs every measurement and prints the figures.
pub async fn run(options: BenchOptions) -> Result<(), CommandError> {
    let bin_dir = match options.bin_dir.clone() {
        Some(dir) => dir,
        None => ["target/release", "target/debug"]
            .iter()
            .map(PathBuf::from)
            .find(|d| d.join(PROBE).is_file())
            .ok_or_else(|| {
                CommandError::Message(format!("build {PROBE} first (cargo build -p {PROBE})"))
            })?,
    };
    println!(
        "bench: binaries from {}, {} runs per figure, medians",
        bin_dir.display(),
        options.runs
    );
    let mut probes = vec![probe_function()];
    let mut datastore = None;
    if let Ok(template) = Template::load(&options.template) {
        let store = Datastore::start(None).await?;
        store.create_tables(&template).await?;
        let keys = KeyPair::generate().map_err(crate::keys::KeyError::from)?;
        for spec in local_functions(&template, &store.endpoint, &keys)? {
            if !bin_dir.join(&spec.binary).is_file() {
                println!("  (skipping {}: {} not built)", spec.name, spec.binary);
                continue;
            }
            // A request every function answers without a token: its cheapest error path
            // for protected routes, a 401 decided after the initializer has run.
            let path = spec
                .routes
                .first()
                .map(|r| r.path.clone())
                .unwrap_or_else(|| "/".into());
            let method = match spec.routes.first().map(|r| r.method.as_str()) {
                Some("POST") => "POST",
                _ => "GET",
            };
            probes.push(Probe {
                spec,
                method,
                path,
                headers: vec![("content-type".into(), "application/json".into())],
                body: if method == "POST" {
                    "{}".into()
                } else {
                    String::new()
                },
            });
        }
        datastore = Some(store);
    }
    let result = measure_all(&options, &bin_dir, &probes).await;
    if let Some(store) = datastore {
        store.stop(None).await;
    }
    result
}

async fn measure_all(
    options: &BenchOptions,
    bin_dir: &std::path::Path,
    probes: &[Probe],
) -> Result<(), CommandError> {
    let client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(256)
        .build_http();
    println!("\n== cold start and first request (per function) ==");
    for probe in probes {
        let (mut init, mut cold, mut warm, mut rss) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..options.runs {
            let gateway =
                Gateway::start(vec![probe.spec.clone()], bin_dir, PoolSettings::default()).await?;
            let started = Instant::now();
            probe.send(&client, &gateway.base).await?;
            cold.push(started.elapsed().as_secs_f64() * 1000.0);
            let started = Instant::now();
            probe.send(&client, &gateway.base).await?;
            warm.push(started.elapsed().as_secs_f64() * 1000.0);
            if let Some(pool) = gateway.platform.pool(&probe.spec.name) {
                let status = pool.status();
                if let Some(i) = status.instances.first() {
                    init.extend(i.init_ms);
                    if let Some(s) = i.pid.and_then(crate::procfs::sample) {
                        rss.push(s.rss_kib as f64 / 1024.0);
                    }
                }
            }
            gateway.stop().await;
        }
        println!(
            "  {:<8} init duration {:>7.2} ms | first request cold {:>7.2} ms, warm {:>6.2} ms | idle RSS {:>5.1} MiB",
            probe.spec.name,
            median(init),
            median(cold),
            median(warm),
            median(rss)
        );
    }

    println!(
        "\n== warm throughput: one instance, concurrency 10, {:.1} s per run, {} rounds ==",
        options.duration.as_secs_f64(),
        options.runs
    );
    println!(
        "  Both HTTP figures use the same in-process client (keep-alive, 10 workers as tasks)\n  \
         over the same kind of loopback connection, alternating within each round:\n  \
         - gateway: routing, payload 2.0 event in, HTTP response out, then the pool;\n  \
         - bare HTTP: a minimal HTTP server handing a prebuilt event to the same pool.\n  \
         Their difference is the gateway's own cost; in-process calls the pool with no HTTP."
    );
    let probe = &probes[0];
    let settings = PoolSettings {
        max_instances: 1,
        ..PoolSettings::default()
    };
    let (mut through, mut bare, mut direct) = (Vec::new(), Vec::new(), Vec::new());
    let (mut cpu_gateway, mut cpu_bare, mut cpu_direct) = (Vec::new(), Vec::new(), Vec::new());
    let (mut overhead_cpu, mut overhead_rps) = (Vec::new(), Vec::new());
    for round in 0..options.runs {
        let gateway = Gateway::start(vec![probe.spec.clone()], bin_dir, settings.clone()).await?;
        probe.send(&client, &gateway.base).await?;
        let pool = gateway
            .platform
            .pool(&probe.spec.name)
            .cloned()
            .ok_or_else(|| CommandError::Message("no pool".into()))?;
        let event = probe.event("ANY /{proxy+}")?;
        let (bare_base, bare_server) = bare_http(pool.clone(), event.clone()).await?;
        probe.send(&client, &bare_base).await?;
        // Alternate the order so drift (the other load on the machine) hits both alike.
        let (g, b) = if round % 2 == 0 {
            let g = measured(
                &pool,
                rps_http(&client, probe, &gateway.base, options.duration),
            )
            .await;
            let b = measured(
                &pool,
                rps_http(&client, probe, &bare_base, options.duration),
            )
            .await;
            (g, b)
        } else {
            let b = measured(
                &pool,
                rps_http(&client, probe, &bare_base, options.duration),
            )
            .await;
            let g = measured(
                &pool,
                rps_http(&client, probe, &gateway.base, options.duration),
            )
            .await;
            (g, b)
        };
        let d = measured(&pool, rps_direct(&pool, event, options.duration)).await;
        println!(
            "  round {}: gateway {:>7.0} | bare HTTP {:>7.0} | in-process {:>7.0} req/s",
            round + 1,
            g.rps,
            b.rps,
            d.rps
        );
        let (cpu_share, rps_share) = (
            (g.cpu_us - b.cpu_us) / g.cpu_us * 100.0,
            (1.0 - g.rps / b.rps) * 100.0,
        );
        println!(
            "           CPU per request: gateway {:.1} µs, bare {:.1} µs, in-process {:.1} µs\n           \
             gateway overhead this round: {cpu_share:.1}% CPU per request, {rps_share:.1}% req/s",
            g.cpu_us, b.cpu_us, d.cpu_us
        );
        overhead_cpu.push(cpu_share);
        overhead_rps.push(rps_share);
        through.push(g.rps);
        bare.push(b.rps);
        direct.push(d.rps);
        cpu_gateway.push(g.cpu_us);
        cpu_bare.push(b.cpu_us);
        cpu_direct.push(d.cpu_us);
        bare_server.abort();
        gateway.stop().await;
    }
    let (through, bare, direct) = (median(through), median(bare), median(direct));
    let (cpu_gateway, cpu_bare, cpu_direct) =
        (median(cpu_gateway), median(cpu_bare), median(cpu_direct));
    println!("  medians:");
    println!(
        "  through the gateway (HTTP, routing, event conversion): {through:>8.0} req/s, {cpu_gateway:>6.1} µs CPU per request"
    );
    println!(
        "  bare HTTP to the pool (same client, no conversion):    {bare:>8.0} req/s, {cpu_bare:>6.1} µs CPU per request"
    );
    println!(
        "  in-process to the pool (no HTTP at all):               {direct:>8.0} req/s, {cpu_direct:>6.1} µs CPU per request"
    );
    println!("  CPU per request: gateway {cpu_gateway:.1} µs, bare {cpu_bare:.1} µs (medians)");
    println!(
        "  gateway overhead, CPU per request ((gateway - bare) / gateway): {:.1}% of medians \
         ({:.1} µs per request); median of the rounds' own figures {:.1}%",
        (cpu_gateway - cpu_bare) / cpu_gateway * 100.0,
        cpu_gateway - cpu_bare,
        median(overhead_cpu)
    );
    println!(
        "  gateway overhead, throughput (gateway vs bare HTTP, same client): {:.1}% of medians; \
         median of the rounds' own figures {:.1}%",
        (1.0 - through / bare) * 100.0,
        median(overhead_rps)
    );
    println!(
        "  HTTP + gateway vs in-process (includes the client's own CPU on the same cores): {:.1}%",
        (1.0 - through / direct) * 100.0
    );
    println!(
        "  CPU per request is user + system time of this process (platform and load generator)\n  \
         plus the instance process, over the requests served. It counts work, not time spent\n  \
         waiting for a core, so scheduling luck alone does not move it as it moves req/s; but\n  \
         on 2 shared cores it still tracks req/s (a slower round does fewer requests per\n  \
         wake-up, so each costs more CPU): read the rounds as a range. Both paths include the\n  \
         same client, so (gateway - bare) / gateway understates the gateway's share."
    );

    println!("\n== scale-out: 100 concurrent requests from zero instances, concurrency 10 ==");
    let mut times = Vec::new();
    let mut instances = Vec::new();
    for _ in 0..options.runs.min(3) {
        let gateway =
            Gateway::start(vec![probe.spec.clone()], bin_dir, PoolSettings::default()).await?;
        let started = Instant::now();
        let all = (0..100).map(|_| probe.send(&client, &gateway.base));
        let statuses = futures::future::join_all(all).await;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        let ok = statuses.iter().filter(|s| matches!(s, Ok(200))).count();
        if ok != 100 {
            println!("  warning: {ok}/100 answered 200");
        }
        if let Some(pool) = gateway.platform.pool(&probe.spec.name) {
            instances.push(pool.status().spawned as f64);
        }
        gateway.stop().await;
    }
    println!(
        "  served all 100 in {:.1} ms with {:.0} instances",
        median(times),
        median(instances)
    );
    Ok(())
}

/// A minimal HTTP front for the bench: every request invokes `pool` with `event` and
/// answers the instance's raw result, with no routing and no event conversion.
async fn bare_http(
    pool: Arc<crate::pool::Pool>,
    event: Bytes,
) -> Result<(String, tokio::task::JoinHandle<()>), CommandError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(CommandError::io("binding the bare bench server"))?;
    let base = format!(
        "http://{}",
        listener
            .local_addr()
            .map_err(CommandError::io("bare bench address"))?
    );
    let app = axum::Router::new().fallback(move || {
        let (pool, event) = (pool.clone(), event.clone());
        async move {
            match pool.invoke(event).await {
                Ok(outcome) => (http::StatusCode::OK, outcome.body),
                Err(e) => (http::StatusCode::BAD_GATEWAY, Bytes::from(e.to_string())),
            }
        }
    });
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((base, server))
}

/// One throughput run: requests per second and CPU time per request.
#[derive(Debug, Clone, Copy)]
struct Run {
    rps: f64,
    cpu_us: f64,
}

/// CPU seconds (user + system) so far of this process and of each of `pool`'s instances,
/// by process id.
fn cpu_by_process(pool: &crate::pool::Pool) -> BTreeMap<u32, f64> {
    std::iter::once(std::process::id())
        .chain(pool.status().instances.iter().filter_map(|i| i.pid))
        .filter_map(|pid| Some((pid, crate::procfs::sample(pid)?.cpu_seconds)))
        .collect()
}

/// Runs `work` (which answers `(requests served, seconds)`) and measures the CPU time that
/// this process and the pool's instances spent on it.
async fn measured(
    pool: &crate::pool::Pool,
    work: impl std::future::Future<Output = (u64, f64)>,
) -> Run {
    let before = cpu_by_process(pool);
    let (served, seconds) = work.await;
    let after = cpu_by_process(pool);
    let cpu: f64 = after
        .iter()
        .map(|(pid, t)| t - before.get(pid).copied().unwrap_or(0.0))
        .sum();
    Run {
        rps: served as f64 / seconds,
        cpu_us: cpu * 1e6 / served.max(1) as f64,
    }
}

/// Requests served by 10 concurrent workers (each its own task) in `duration`, and the
/// seconds it took.
async fn rps_http(
    client: &HttpClient,
    probe: &Probe,
    base: &str,
    duration: Duration,
) -> (u64, f64) {
    let count = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + duration;
    let workers: Vec<_> = (0..10)
        .map(|_| {
            let (client, probe, base, count) = (
                client.clone(),
                probe.clone(),
                base.to_owned(),
                count.clone(),
            );
            tokio::spawn(async move {
                while Instant::now() < until {
                    if matches!(probe.send(&client, &base).await, Ok(200)) {
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    futures::future::join_all(workers).await;
    (
        count.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64(),
    )
}

async fn rps_direct(pool: &Arc<crate::pool::Pool>, event: Bytes, duration: Duration) -> (u64, f64) {
    let count = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + duration;
    let workers: Vec<_> = (0..10)
        .map(|_| {
            let (pool, event, count) = (pool.clone(), event.clone(), count.clone());
            tokio::spawn(async move {
                while Instant::now() < until {
                    if pool.invoke(event.clone()).await.is_ok() {
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    futures::future::join_all(workers).await;
    (
        count.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64(),
    )
}
