//! `bench` (`make bench`): the figures the project promises, as medians, measured on
//! the local platform's library (`local`) and against the peers in `bench/peers/`.
//!
//! One file per measurement:
//! - [`cold_start`]: spawn to first `next` (init duration) per function, the first
//!   request on a cold and on a warm instance, and the idle instance's memory;
//! - [`overhead`]: warm requests per second of one instance through the platform
//!   against straight to it through Lambda's Invoke API (and in-process), for the test
//!   function and two `rule` requests, with CPU time per request: the platform's
//!   overhead, which the target bounds;
//! - [`container_cost`]: the real `rule` function through the whole platform against
//!   the same binary serving HTTP itself (container mode): what the Lambda model (the
//!   Runtime API) costs a function next to a plain HTTP server;
//! - [`scale_out`]: 100 concurrent requests from zero instances at concurrency 10;
//! - [`growth`]: what a page of the list costs as a user's todos grow to 10,000;
//! - [`signing_key`]: what reading the signing key from Secrets Manager in the user
//!   function's initializer adds to its cold start, and its parts;
//! - [`peers`]: ours against the Node.js peer and `cargo lambda watch`, side by side;
//! - [`container_start`]: FaaS vs container cold start: a cold instance's first answer
//!   (the Lambda model) against a podman container's, from the images of `make image`;
//! - [`step_load`]: FaaS vs container scaling on one step load (1 to 100 clients, then
//!   idle): the concurrency policy against the template's watermarks, with a plot;
//! - [`writes`]: datastore round trips (and which operations) and latency per write
//!   route, with and without an `Idempotency-Key`, counted by a [`counting_proxy`]
//!   between the `rule` function and the emulator;
//! - [`cost`]: dollars per million requests per route, ours and the Node.js twin's,
//!   from billed durations and the capacity units the emulator reports, priced from
//!   [`prices`];
//! - [`peers::baseline`]: today's functions against the same built at an earlier commit:
//!   init, idle memory and CPU per warm request before and after a change;
//! - [`floor`]: the CPU a warm `rule` request cannot avoid (token, datastore call,
//!   event in and answer out, Runtime API), part by part, against issue 23's targets.
//!
//! [`load`] is the load generator and the CPU accounting they share; [`rule_user`] the
//! signed-in user the `rule` requests act as. Each figure
//! alternates the paths it compares within every round, so that other load on the
//! machine hits both alike, and prints the median of the rounds.

mod cold_start;
mod container_cost;
mod container_start;
mod cost;
mod counting_proxy;
mod floor;
mod growth;
mod load;
mod overhead;
mod peers;
mod plot;
mod prices;
mod rule_user;
mod scale_out;
mod signing_key;
mod step_load;
mod writes;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use local::commands::CommandError;
use local::commands::project::{Datastore, Endpoints, Secrets, local_functions};
use local::keys::KeyPair;
use local::platform::{Platform, PlatformConfig};
use local::runtime::pool::PoolSettings;
use local::template::Template;
use local::template::functions::{FunctionSpec, RouteSpec};

/// The test function's binary.
const PROBE: &str = "platform-test-function";

/// What the sections that run the real functions against the datastore need:
/// they start their own instances on the table the bench created.
#[derive(Clone, Copy)]
pub(crate) struct OnTable<'a> {
    options: &'a BenchOptions,
    bin_dir: &'a Path,
    functions: &'a [FunctionSpec],
    endpoint: &'a str,
    keys: &'a KeyPair,
    client: &'a HttpClient,
}

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
    /// The measurements to make; empty means all.
    pub sections: Vec<Section>,
    /// The largest list the growth curve seeds (10, 100, 1,000 and 10,000 up to it).
    pub growth_max: usize,
    /// Where plots are written.
    pub plots: PathBuf,
    /// Sequential requests per route whose latency [`writes`] measures.
    pub write_requests: usize,
    /// The `user` and `rule` binaries of an earlier commit (`bench/build-baseline.sh`),
    /// which [`Section::Baseline`] measures beside today's; without it that section
    /// is skipped.
    pub baseline_bin_dir: Option<PathBuf>,
}

/// One of the bench's measurements, for `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Section {
    /// [`cold_start`].
    ColdStart,
    /// [`overhead`].
    Overhead,
    /// [`container_cost`].
    ContainerCost,
    /// [`scale_out`].
    ScaleOut,
    /// [`growth`].
    Growth,
    /// [`signing_key`].
    SigningKey,
    /// [`peers`].
    Peers,
    /// [`container_start`].
    ContainerStart,
    /// [`step_load`].
    StepLoad,
    /// [`writes`].
    Writes,
    /// [`cost`].
    Cost,
    /// [`peers::baseline`]: today's functions against `--baseline-bin-dir`'s.
    Baseline,
    /// [`floor`].
    Floor,
}

impl BenchOptions {
    fn wants(&self, section: Section) -> bool {
        self.sections.is_empty() || self.sections.contains(&section)
    }
}

/// The bench's HTTP client: keep-alive connections on loopback.
type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// The platform serving a set of functions behind a gateway on a free port.
struct Gateway {
    platform: Arc<Platform>,
    base: String,
    server: tokio::task::JoinHandle<()>,
}

impl Gateway {
    async fn start(
        functions: Vec<FunctionSpec>,
        bin_dir: &Path,
        settings: PoolSettings,
    ) -> Result<Self, CommandError> {
        let mut config = PlatformConfig::new(functions, bin_dir);
        config.settings = settings;
        Self::start_with(config).await
    }

    /// The platform with `config` (its logs not echoed) behind a gateway.
    async fn start_with(mut config: PlatformConfig) -> Result<Self, CommandError> {
        // BENCH_LOGS=1 shows the instances' output and the platform's lines.
        config.echo_logs = std::env::var_os("BENCH_LOGS").is_some();
        let platform = Platform::start(config).await?;
        let (listener, base) = loopback_listener("the bench gateway").await?;
        let server = local::server::serve(&platform, listener, Default::default())
            .map_err(|e| CommandError::Message(e.to_string()))?;
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

/// A listener on a free loopback port, and its `http://` base URL.
async fn loopback_listener(what: &str) -> Result<(tokio::net::TcpListener, String), CommandError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(CommandError::io(format!("binding {what}")))?;
    let address = listener
        .local_addr()
        .map_err(CommandError::io(format!("the address of {what}")))?;
    Ok((listener, format!("http://{address}")))
}

/// The median of `values` (the upper one of an even count); NaN when empty.
fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// One HTTP request the bench sends, and the status that counts as served (`None`:
/// any answer).
#[derive(Debug, Clone)]
struct Call {
    method: &'static str,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
    expect: Option<u16>,
}

impl Call {
    fn get(path: impl Into<String>) -> Self {
        Self {
            method: "GET",
            path: path.into(),
            headers: Vec::new(),
            body: String::new(),
            expect: Some(200),
        }
    }

    fn post(path: impl Into<String>, body: String) -> Self {
        Self {
            method: "POST",
            path: path.into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body,
            expect: Some(200),
        }
    }

    fn expecting(mut self, status: u16) -> Self {
        self.expect = Some(status);
        self
    }

    /// Whether `status` counts as served.
    fn served(&self, status: u16) -> bool {
        self.expect.is_none_or(|e| e == status)
    }

    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends the call to `base`; answers the status and the body.
    async fn send(&self, client: &HttpClient, base: &str) -> Result<(u16, Bytes), CommandError> {
        let url = format!("{base}{}", self.path);
        let mut builder = http::Request::builder().method(self.method).uri(&url);
        for (k, v) in &self.headers {
            builder = builder.header(k, v);
        }
        let request = builder
            .body(Full::new(Bytes::from(self.body.clone())))
            .map_err(|e| CommandError::Message(e.to_string()))?;
        let response = client
            .request(request)
            .await
            .map_err(|e| CommandError::Message(format!("{url}: {e}")))?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        Ok((status, body))
    }

    /// Sends the call and fails unless it got the expected status.
    async fn expect(&self, client: &HttpClient, base: &str) -> Result<Bytes, CommandError> {
        let (status, body) = self.send(client, base).await?;
        if self.served(status) {
            Ok(body)
        } else {
            Err(CommandError::Message(format!(
                "{} {} answered {status}, not {:?}: {}",
                self.method,
                self.path,
                self.expect,
                String::from_utf8_lossy(&body)
            )))
        }
    }
}

/// A function to measure and a request it answers.
#[derive(Clone)]
struct Subject {
    spec: FunctionSpec,
    call: Call,
}

/// The test function, every path routed to it, at concurrency 10.
fn probe_function() -> Subject {
    let mut spec = FunctionSpec::new("probe", PROBE);
    spec.routes = vec![RouteSpec {
        method: "ANY".into(),
        path: "/{proxy+}".into(),
    }];
    spec.lifecycle.concurrency = 10;
    Subject {
        spec,
        call: Call::get("/ping"),
    }
}

/// The template's function as a subject: a request to its first route without a
/// token, answered without the datastore (a 401 for protected routes, a 405 or 400
/// for the others) but only once the initializer has run.
fn template_function(spec: FunctionSpec) -> Subject {
    let path = spec
        .routes
        .first()
        .map_or_else(|| "/".to_owned(), |r| r.path.clone());
    let call = Call {
        method: "GET",
        path,
        headers: vec![("content-type".into(), "application/json".into())],
        body: String::new(),
        expect: None,
    };
    Subject { spec, call }
}

/// The binaries' folder: the one given, else `target/release`, then `target/debug`.
fn bin_dir(given: Option<PathBuf>) -> Result<PathBuf, CommandError> {
    match given {
        Some(dir) => Ok(dir),
        None => ["target/release", "target/debug"]
            .iter()
            .map(PathBuf::from)
            .find(|d| d.join(PROBE).is_file())
            .ok_or_else(|| {
                CommandError::Message(format!("build {PROBE} first (cargo build -p {PROBE})"))
            }),
    }
}

/// Runs every measurement and prints the figures.
pub async fn run(options: BenchOptions) -> Result<(), CommandError> {
    let bin_dir = bin_dir(options.bin_dir.clone())?;
    println!(
        "bench: binaries from {}, {} runs per figure, medians",
        bin_dir.display(),
        options.runs
    );
    let mut subjects = vec![probe_function()];
    let mut functions = Vec::new();
    let mut datastore = None;
    let mut secrets_manager = None;
    let keys = KeyPair::generate().map_err(local::keys::KeyError::from)?;
    if let Ok(template) = Template::load(&options.template) {
        let (store, secrets) = tokio::join!(Datastore::start(None), Secrets::start(None));
        let (store, secrets) = (store?, secrets?);
        store.create_tables(&template).await?;
        let endpoints = Endpoints {
            dynamodb: &store.endpoint,
            secrets_manager: &secrets.endpoint,
        };
        let specs = local_functions(&template, endpoints, &keys)?;
        secrets
            .put_keys(&specs, std::slice::from_ref(&keys))
            .await?;
        for spec in specs {
            if bin_dir.join(&spec.binary).is_file() {
                functions.push(spec.clone());
                subjects.push(template_function(spec));
            } else {
                println!("  (skipping {}: {} not built)", spec.name, spec.binary);
            }
        }
        datastore = Some(store);
        secrets_manager = Some(secrets);
    }
    let client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(256)
        .build_http();
    let result = async {
        if options.wants(Section::ColdStart) {
            cold_start::measure(&options, &bin_dir, &subjects, &client).await?;
        }
        if options.wants(Section::Overhead) {
            overhead::measure(&options, &bin_dir, &subjects[0], &functions, &client).await?;
        }
        if options.wants(Section::ContainerCost) {
            container_cost::measure(&options, &bin_dir, &functions, &client).await?;
        }
        if options.wants(Section::ScaleOut) {
            scale_out::measure(&options, &bin_dir, &subjects[0], &client).await?;
        }
        if options.wants(Section::Writes) {
            writes::measure(&options, &bin_dir, &functions, &client).await?;
        }
        let on_table = datastore.as_ref().map(|store| OnTable {
            options: &options,
            bin_dir: &bin_dir,
            functions: &functions,
            endpoint: &store.endpoint,
            keys: &keys,
            client: &client,
        });
        if options.wants(Section::Cost)
            && let Some(on_table) = &on_table
        {
            cost::measure(on_table).await?;
        }
        if options.wants(Section::Growth) {
            growth::measure(&options, &bin_dir, &functions, &keys, &client).await?;
        }
        if options.wants(Section::SigningKey) {
            signing_key::measure(&options, &bin_dir, &subjects, &client).await?;
        }
        if options.wants(Section::Peers)
            && let Some(on_table) = &on_table
        {
            peers::measure(on_table).await?;
        }
        if options.wants(Section::Baseline)
            && let Some(on_table) = &on_table
        {
            match &options.baseline_bin_dir {
                Some(baseline) => peers::baseline::measure(on_table, baseline).await?,
                None => println!(
                    "\n== baseline: skipped (no --baseline-bin-dir; `make bench BASELINE=<rev>` \
                     builds one) =="
                ),
            }
        }
        if options.wants(Section::Floor)
            && let Some(on_table) = &on_table
        {
            floor::measure(on_table, &subjects[0]).await?;
        }
        if options.wants(Section::ContainerStart) {
            container_start::measure(&options, &bin_dir, &functions, &client).await?;
        }
        if options.wants(Section::StepLoad) {
            step_load::measure(&options, &bin_dir, &functions, &client).await?;
        }
        Ok(())
    }
    .await;
    if let Some(store) = datastore {
        store.stop(None).await;
    }
    if let Some(secrets) = secrets_manager {
        secrets.stop(None).await;
    }
    result
}
