//! What a million requests cost, per route, for ours and for the Node.js twin, and for
//! the write routes before and after they became transactions.
//!
//! Each system serves its two functions on this platform as on-demand Lambda runs them
//! (one request per instance: concurrency 1, and for the twin no `aws-lambda-ric`
//! workers), with a [`CountingProxy`] between the functions and the emulator. Per
//! route, [`REQUESTS`] sequential requests (at most `--write-requests`) on a warm instance (the cold start of the
//! first is not in them), and per request:
//!
//! - Lambda: one request, and the billed duration of the platform's `REPORT` line
//!   (delivery to the instance until its answer, rounded up to the millisecond) at the
//!   function's memory from the template (`MemorySize`, the on-demand default of its
//!   `!If`) on the template's architecture;
//! - DynamoDB: the read and write units the emulator reports as `ConsumedCapacity`,
//!   which the proxy asks for on the functions' behalf (dynoxide reports a
//!   transaction's items at twice the units of plain reads and writes, as DynamoDB
//!   bills them, and an index's writes by DynamoDB's rules);
//! - the HTTP API: one request.
//!
//! Priced from [`super::prices`] with the mean units and billed milliseconds (a bill
//! adds up, so the mean is its figure; the median billed duration is printed beside
//! it). This machine gives an instance a whole core; Lambda gives 128 MB about 128/1769
//! of a vCPU, so CPU-bound time stretches there. The instance's CPU time per request
//! (`/proc`, over all of a route's requests: clock ticks of 10 ms, so cheap routes read
//! as 0 or one tick) gives a second, estimated price: the duration with that CPU time
//! stretched by 1769 / memory, rounded up to the millisecond. The write routes' "before" is the counts journal's design (three dependent
//! single-item writes per counted write, [`before`]), computed, not measured.

use std::path::Path;

use local::commands::CommandError;
use local::runtime::pool::PoolSettings;
use local::template::Template;
use local::template::functions::FunctionSpec;
use serde_json::{Value, json};

use super::counting_proxy::{CountingProxy, Units};
use super::load::instance_pids;
use super::peers::{NODE_DIR, node_functions};
use super::prices::{self, Bill};
use super::rule_user::{log_in, user_and_rule};
use super::writes::seed;
use super::{Call, Gateway, HttpClient, OnTable, median};

/// Requests measured per route (fewer when `--write-requests` is lower).
const REQUESTS: usize = 20;
/// The password of the users the bench registers.
const PASSWORD: &str = "bench-password";

/// The routes priced, in the order measured and printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Register,
    Login,
    CurrentUser,
    List,
    Get,
    Create,
    Update,
    Delete,
    DeleteTen,
}

const ROUTES: [Route; 9] = [
    Route::Register,
    Route::Login,
    Route::CurrentUser,
    Route::List,
    Route::Get,
    Route::Create,
    Route::Update,
    Route::Delete,
    Route::DeleteTen,
];

impl Route {
    fn label(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Login => "log in",
            Self::CurrentUser => "current user",
            Self::List => "list, page of 10",
            Self::Get => "get one",
            Self::Create => "create",
            Self::Update => "update (desc)",
            Self::Delete => "delete one",
            Self::DeleteTen => "delete 10 (one request)",
        }
    }

    /// The function serving the route.
    fn function(self) -> &'static str {
        match self {
            Self::Register | Self::Login | Self::CurrentUser => "user",
            _ => "rule",
        }
    }

    /// The todos one request deletes.
    fn deletes(self) -> usize {
        match self {
            Self::Delete => 1,
            Self::DeleteTen => 10,
            _ => 0,
        }
    }
}

/// The read and write units of a write route under the counts journal, the write path
/// before every write became one transaction (commit `f83dc35`; its operations per
/// request are in `docs/bench/writes.md`, counted by the `writes` section on those
/// binaries), with standard (not transactional) units: every item under 1 KB, one
/// unit per item written, and the status index (`ByStatus`, projecting all
/// attributes) written by DynamoDB's rules: +1 when a todo enters or leaves it or
/// changes in it, +2 when its key (`statusKey`) moves.
///
/// - create: state `UpdateItem` (journal) 1, todo `PutItem` 1 + index 1, state
///   `UpdateItem` (settle) 1: 4 write units;
/// - update without a change of status: state `GetItem` (consistent, 1 read unit),
///   todo `UpdateItem` 1 + index 1: 2 write units;
/// - delete one: journal 1, tombstone `UpdateItem` (removes `statusKey`) 1 + index 1,
///   settle 1, `DeleteItem` of the tombstone 1: 5 write units;
/// - delete 10: journal 1, 10 tombstones 20, settle 1, 10 `DeleteItem` 10: 32.
fn before(route: Route) -> Option<Units> {
    let units = |read, write| Some(Units { read, write });
    match route {
        Route::Create => units(0.0, 4.0),
        Route::Update => units(1.0, 2.0),
        Route::Delete => units(0.0, 5.0),
        Route::DeleteTen => units(0.0, 32.0),
        _ => None,
    }
}

/// The memory at which Lambda gives a function one whole vCPU, MB.
const FULL_VCPU_MB: f64 = 1769.0;

/// The figures of one route on one system.
#[derive(Debug, Clone, Default)]
struct Figures {
    billed_ms: Vec<f64>,
    /// Milliseconds from delivery to answer, as the `REPORT` line has them.
    duration_ms: Vec<f64>,
    units: Vec<Units>,
    /// The instance's CPU milliseconds per request, over all the route's requests.
    cpu_ms: f64,
}

impl Figures {
    fn mean(values: impl Iterator<Item = f64>) -> f64 {
        let (sum, n) = values.fold((0.0, 0_usize), |(s, n), v| (s + v, n + 1));
        sum / n.max(1) as f64
    }

    fn mean_billed_ms(&self) -> f64 {
        Self::mean(self.billed_ms.iter().copied())
    }

    fn mean_units(&self) -> Units {
        Units {
            read: Self::mean(self.units.iter().map(|u| u.read)),
            write: Self::mean(self.units.iter().map(|u| u.write)),
        }
    }

    fn bill(&self, memory_mb: u32) -> Bill {
        let units = self.mean_units();
        Bill::of(self.mean_billed_ms(), memory_mb, units.read, units.write)
    }

    /// The billed milliseconds with the CPU time stretched to `memory_mb`'s share of a
    /// vCPU (an estimate: the rest of the duration is taken as waiting).
    fn stretched_ms(&self, memory_mb: u32) -> f64 {
        let stretch = (FULL_VCPU_MB / f64::from(memory_mb)).max(1.0);
        let duration = Self::mean(self.duration_ms.iter().copied());
        (duration + self.cpu_ms * (stretch - 1.0)).ceil().max(1.0)
    }

    fn stretched_bill(&self, memory_mb: u32) -> Bill {
        let units = self.mean_units();
        Bill::of(
            self.stretched_ms(memory_mb),
            memory_mb,
            units.read,
            units.write,
        )
    }
}

/// One system's measurement: its label, memory and figures per route.
struct System {
    label: &'static str,
    memory_mb: u32,
    routes: Vec<Figures>,
}

/// The specs as on-demand Lambda runs them: one request per instance (the Node.js
/// twin's bootstrap then starts `aws-lambda-ric` without its workers).
pub(super) fn on_demand(mut specs: Vec<FunctionSpec>) -> Vec<FunctionSpec> {
    for spec in &mut specs {
        spec.lifecycle.concurrency = 1;
    }
    specs
}

/// The architecture the template deploys `logical_id` on (`Architectures`, else the
/// globals', else Lambda's default `x86_64`).
fn architecture(template: &Template, logical_id: &str) -> String {
    let own = template
        .resource(logical_id)
        .and_then(|r| r.properties.get("Architectures"));
    own.or_else(|| template.function_globals().get("Architectures"))
        .and_then(|a| a.as_sequence())
        .and_then(|a| a.first())
        .and_then(|a| a.as_str())
        .unwrap_or("x86_64")
        .to_owned()
}

/// Measures and prints the cost per route; skipped unless the user and rule
/// functions are built.
pub(super) async fn measure(on: &OnTable<'_>) -> Result<(), CommandError> {
    println!(
        "\n== cost: dollars per million requests per route ({}, list prices of {}) ==",
        prices::REGION,
        prices::DATE
    );
    let Some((user, rule)) = user_and_rule(on.functions, "cost") else {
        return Ok(());
    };
    let requests = on.options.write_requests.min(REQUESTS);
    let template = Template::load(&on.options.template)?;
    let arch = architecture(&template, &rule.logical_id);
    println!(
        "  Lambda at the template's MemorySize ({} MB for user, {} MB for rule: the \
         on-demand default of its `!If [UseManagedInstances, 2048, 128]`; Managed \
         Instances are billed per instance, not priced here) on {arch} (priced at the \
         arm64 rate); on-demand, one request per instance; {requests} sequential warm \
         requests per route; DynamoDB units as the emulator ({}) reports them",
        user.memory_mb,
        rule.memory_mb,
        local::datastore::server::engine(),
    );
    if arch != "arm64" {
        println!("  (the template is not on arm64: the arm64 prices below do not apply)");
    }
    let mut systems = vec![
        measure_system(
            "ours",
            on_demand(vec![user.clone(), rule.clone()]),
            on.bin_dir,
            on.endpoint,
            on.client,
            requests,
        )
        .await?,
    ];
    let node_dir = Path::new(NODE_DIR);
    if node_dir
        .join(".aws-sam/build/UserFunction/bootstrap")
        .is_file()
    {
        let node = on_demand(node_functions(node_dir, on.endpoint, on.keys)?);
        systems.push(
            measure_system("node", node, on.bin_dir, on.endpoint, on.client, requests).await?,
        );
    } else {
        println!("  (the Node.js twin is not built, `make peers` builds it: ours alone)");
    }
    report(&systems);
    Ok(())
}

/// Serves `specs` behind a gateway whose functions reach the emulator at `endpoint`
/// through a counting proxy, and measures every route.
async fn measure_system(
    label: &'static str,
    mut specs: Vec<FunctionSpec>,
    bin_dir: &Path,
    endpoint: &str,
    client: &HttpClient,
    requests: usize,
) -> Result<System, CommandError> {
    let proxy = CountingProxy::start(endpoint).await?;
    for spec in &mut specs {
        spec.environment
            .insert("DYNAMODB_ENDPOINT".into(), proxy.endpoint().to_owned());
    }
    let memory_mb = specs.iter().map(|s| s.memory_mb).max().unwrap_or(128);
    let settings = PoolSettings {
        max_instances: 1,
        ..PoolSettings::default()
    };
    let gateway = match Gateway::start(specs, bin_dir, settings).await {
        Ok(gateway) => gateway,
        Err(e) => {
            proxy.stop();
            return Err(e);
        }
    };
    let result = measure_routes(&proxy, &gateway, client, requests).await;
    gateway.stop().await;
    proxy.stop();
    let routes = result?;
    for (route, figures) in ROUTES.iter().zip(&routes) {
        let units = figures.mean_units();
        println!(
            "  {label:<5} {:<24} billed {:>6.2} ms (median {:>3.0}), instance CPU {:>5.2} ms, \
             {:>5.2} read + {:>5.2} write units",
            route.label(),
            figures.mean_billed_ms(),
            median(figures.billed_ms.clone()),
            figures.cpu_ms,
            units.read,
            units.write
        );
    }
    Ok(System {
        label,
        memory_mb,
        routes,
    })
}

/// The users and todos the routes act on.
struct Fixture {
    /// The credentials the logins send (a user of their own, so that the sessions
    /// they add do not grow the state item the todo routes write).
    login: String,
    /// The `Authorization` of the user whose todos the rule routes act on.
    bearer: String,
    /// The todo the get reads and the updates change.
    todo: String,
    /// Todos for the deletes, taken from the front.
    doomed: Vec<String>,
    /// Requests made so far (new names and `desc` values).
    sent: usize,
}

fn credentials(name: &str) -> String {
    json!({"userName": name, "password": PASSWORD}).to_string()
}

async fn register(client: &HttpClient, base: &str) -> Result<String, CommandError> {
    let body = credentials(&format!("c{}", ulid::Ulid::new()));
    Call::post("/api/register", body.clone())
        .expecting(201)
        .expect(client, base)
        .await?;
    Ok(body)
}

impl Fixture {
    /// Users, and todos for `requests` requests of each delete route.
    async fn new(client: &HttpClient, base: &str, requests: usize) -> Result<Self, CommandError> {
        let login = register(client, base).await?;
        let owner = register(client, base).await?;
        let bearer = log_in(client, base, owner).await?;
        let mut todos = seed(client, base, &bearer, 10).await?;
        todos.sort();
        let deletes: usize = ROUTES.iter().map(|r| r.deletes()).sum();
        let doomed = seed(client, base, &bearer, deletes * requests).await?;
        Ok(Self {
            login,
            bearer,
            todo: todos.pop().unwrap_or_default(),
            doomed,
            sent: 0,
        })
    }

    /// The next request of `route`.
    fn call(&mut self, route: Route) -> Call {
        self.sent += 1;
        let keys: Vec<String> = self
            .doomed
            .drain(..route.deletes().min(self.doomed.len()))
            .collect();
        let json_body = |method, path: String, body: Value| Call {
            method,
            path,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
            expect: Some(200),
        };
        let call = match route {
            Route::Register => {
                return Call::post(
                    "/api/register",
                    credentials(&format!("c{}", ulid::Ulid::new())),
                )
                .expecting(201);
            }
            Route::Login => return Call::post("/api/login/account", self.login.clone()),
            Route::CurrentUser => Call::get("/api/currentUser"),
            Route::List => Call::get("/api/rule?current=1&pageSize=10"),
            Route::Get => Call::get(format!("/api/rule/{}", self.todo)),
            Route::Create => Call::post(
                "/api/rule",
                json!({"name": format!("todo {}", self.sent)}).to_string(),
            )
            .expecting(201),
            Route::Update => json_body(
                "PUT",
                format!("/api/rule/{}", self.todo),
                json!({"desc": format!("edit {}", self.sent)}),
            ),
            Route::Delete => Call {
                method: "DELETE",
                path: format!("/api/rule/{}", keys.first().cloned().unwrap_or_default()),
                headers: Vec::new(),
                body: String::new(),
                expect: Some(200),
            },
            Route::DeleteTen => json_body("DELETE", "/api/rule".into(), json!({"key": keys})),
        };
        call.header("authorization", &self.bearer)
    }
}

/// The duration and the billed duration of the newest `REPORT` line of `function`, ms,
/// and the line (so that a request whose line is missing is not given its
/// predecessor's).
fn billed(gateway: &Gateway, function: &str) -> Option<(f64, f64, String)> {
    let prefix = format!("[{function}#");
    gateway
        .platform
        .logs()
        .recent()
        .into_iter()
        .rev()
        .find(|l| l.starts_with(&prefix) && l.contains("] REPORT RequestId: "))
        .and_then(|line| {
            let field = |name: &str| -> Option<f64> {
                line.split(name).nth(1)?.split(' ').next()?.parse().ok()
            };
            Some((field("\tDuration: ")?, field("Billed Duration: ")?, line))
        })
}

async fn measure_routes(
    proxy: &CountingProxy,
    gateway: &Gateway,
    client: &HttpClient,
    requests: usize,
) -> Result<Vec<Figures>, CommandError> {
    let base = &gateway.base;
    let mut fixture = Fixture::new(client, base, requests).await?;
    // Both instances warm, and through the same requests as measured.
    for route in [Route::CurrentUser, Route::List] {
        fixture.call(route).expect(client, base).await?;
    }
    let mut last = [None, None];
    let mut out = Vec::new();
    for route in ROUTES {
        let slot = usize::from(route.function() == "rule");
        let mut figures = Figures::default();
        let pids = gateway
            .platform
            .pool(route.function())
            .map(|p| instance_pids(p))
            .unwrap_or_default();
        let cpu_before = cpu_seconds(&pids);
        for _ in 0..requests {
            let call = fixture.call(route);
            let before = proxy.units();
            call.expect(client, base).await?;
            figures.units.push(proxy.units() - before);
            let (duration, ms, line) = billed(gateway, route.function())
                .filter(|(_, _, line)| last[slot].as_ref() != Some(line))
                .ok_or_else(|| {
                    CommandError::Message(format!(
                        "{} {}: no REPORT line of its own",
                        call.method, call.path
                    ))
                })?;
            last[slot] = Some(line);
            figures.billed_ms.push(ms);
            figures.duration_ms.push(duration);
        }
        figures.cpu_ms =
            (cpu_seconds(&pids) - cpu_before).max(0.0) * 1000.0 / requests.max(1) as f64;
        out.push(figures);
    }
    Ok(out)
}

/// CPU seconds so far of the processes `pids`.
fn cpu_seconds(pids: &[u32]) -> f64 {
    pids.iter()
        .filter_map(|p| local::runtime::procfs::sample(*p))
        .map(|s| s.cpu_seconds)
        .sum()
}

/// `$1.234` for dollars per million.
fn dollars(per_request: f64) -> String {
    format!("${:.3}", per_request * 1e6)
}

fn report(systems: &[System]) {
    println!();
    let mut header = String::from("| route |");
    let mut rule = String::from("|---|");
    for system in systems {
        header.push_str(&format!(
            " {0}: billed ms | {0}: read, write units | {0}: Lambda | {0}: DynamoDB | {0}: HTTP API | {0}: total | {0}: total, CPU at 128 MB's share (est.) |",
            system.label
        ));
        rule.push_str("---:|---:|---:|---:|---:|---:|---:|");
    }
    if systems.len() > 1 {
        header.push_str(" node ÷ ours |");
        rule.push_str("---:|");
    }
    println!("{header}\n{rule}");
    let mut cheaper = 0;
    for (r, route) in ROUTES.iter().enumerate() {
        let mut line = format!("| {} |", route.label());
        let mut totals = Vec::new();
        for system in systems {
            let figures = &system.routes[r];
            let units = figures.mean_units();
            let bill = figures.bill(system.memory_mb);
            line.push_str(&format!(
                " {:.2} | {:.2}, {:.2} | {} | {} | {} | **{}** | {} ({:.0} ms) |",
                figures.mean_billed_ms(),
                units.read,
                units.write,
                dollars(bill.lambda),
                dollars(bill.dynamodb),
                dollars(bill.http_api),
                dollars(bill.total()),
                dollars(figures.stretched_bill(system.memory_mb).total()),
                figures.stretched_ms(system.memory_mb),
            ));
            totals.push(bill.total());
        }
        if let [ours, node] = totals[..] {
            line.push_str(&format!(" ×{:.2} |", node / ours));
            if ours <= node {
                cheaper += 1;
            }
        }
        println!("{line}");
    }
    println!(
        "  dollars per million requests at the list prices of {} ({}): Lambda ${}/million \
         requests and ${}/GB-s (arm64), DynamoDB on-demand ${}/million write and ${}/million \
         read units, HTTP API ${}/million requests; billed ms: the mean of the requests \
         (what a bill adds up); no free tier; cold starts not included; the estimate \
         stretches the instance's CPU time by {FULL_VCPU_MB} MB / the memory (Lambda's \
         CPU share), this machine giving each instance a whole core",
        prices::REGION,
        prices::DATE,
        prices::LAMBDA_REQUEST * 1e6,
        prices::LAMBDA_ARM_GB_SECOND,
        prices::DYNAMODB_WRITE_UNIT * 1e6,
        prices::DYNAMODB_READ_UNIT * 1e6,
        prices::HTTP_API_REQUEST * 1e6,
    );
    if let Some(ours) = systems.first() {
        println!(
            "\n| write route (ours) | before: read, write units (computed) | before: total | \
             after: read, write units (reported) | after: total | the transaction's price |"
        );
        println!("|---|---:|---:|---:|---:|---:|");
        for (r, route) in ROUTES.iter().enumerate() {
            let Some(old) = before(*route) else {
                continue;
            };
            let figures = &ours.routes[r];
            let new = figures.mean_units();
            let billed_ms = figures.mean_billed_ms();
            let then = Bill::of(billed_ms, ours.memory_mb, old.read, old.write).total();
            let now = figures.bill(ours.memory_mb).total();
            println!(
                "| {} | {:.2}, {:.2} | {} | {:.2}, {:.2} | {} | {:+.0} % |",
                route.label(),
                old.read,
                old.write,
                dollars(then),
                new.read,
                new.write,
                dollars(now),
                (now / then - 1.0) * 100.0
            );
        }
        println!(
            "  before: the counts journal's single-item writes (bench/src/cost.rs, `before`), \
             priced at the same billed duration as after (a millisecond at 128 MB is \
             $0.0017 per million)"
        );
    }
    if systems.len() > 1 {
        let verdict = if cheaper == ROUTES.len() {
            "met"
        } else {
            "NOT met"
        };
        println!(
            "  target: ours costs no more than the Node.js twin on every route: {cheaper} of {} \
             routes, {verdict}",
            ROUTES.len()
        );
    }
}
