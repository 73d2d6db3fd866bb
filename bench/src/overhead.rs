//! The platform's overhead, the figure the "under 10 %" target is about: warm requests
//! per second of one instance reached
//!
//! - through the platform: an HTTP request to the gateway, routing, the payload 2.0
//!   event, the pool, the instance over the Runtime API, the answer converted back;
//! - straight to the instance: the same event posted to Lambda's Invoke API
//!   ([`local::server::invoke_api`]), which hands it to the instance as it is and answers the
//!   raw result, as `aws lambda invoke` against Lambda or its Runtime Interface
//!   Emulator does: the thinnest way to reach an instance, which only speaks the
//!   Runtime API;
//! - in-process, for reference: the pool called with the event, no HTTP at all.
//!
//! Three cases: the test function's trivial handler (the platform's share as large as
//! it gets), then the `rule` function's two requests ([`super::rule_user`]). Every
//! round starts a fresh platform whose one instance runs at concurrency 10, and
//! alternates the two paths in [`super::load::SEGMENTS`] short stretches each
//! ([`alternating`]), so that load from elsewhere on the machine falls on both alike. *Overhead* is
//! `1 - platform req/s / straight req/s`; the figure is the median of the rounds' own
//! ratios. CPU per request is split between this process (the load generator and the
//! platform) and the instance.

use std::path::Path;

use bytes::Bytes;
use local::commands::CommandError;
use local::platform::Platform;
use local::runtime::pool::PoolSettings;
use local::server::event::{from_result, local_event};
use local::server::invoke_api;
use local::server::routes::RouteTable;
use local::template::functions::FunctionSpec;
use serde_json::Value;

use super::load::{Run, alternating, in_process, instance_pids, measured, over_http};
use super::rule_user::{rule_requests, serving, signed_in_user_with_todos};
use super::{BenchOptions, Call, Gateway, HttpClient, Subject, median};

/// The target: the platform costs less than this share of warm throughput.
const TARGET_PERCENT: f64 = 10.0;
/// The trivial handler's own target (issue 23): the gateway's share of the cheapest
/// request there is.
const PROBE_TARGET_PERCENT: f64 = 5.0;

/// One request to measure, and the functions its platform runs.
struct Case {
    label: String,
    /// The function serving `call`.
    function: String,
    functions: Vec<FunctionSpec>,
    call: Call,
}

/// What the gateway needs to write `call`'s event: the platform's routes and the
/// call's headers as `local_event` takes them.
struct EventMaker<'a> {
    routes: RouteTable,
    call: &'a Call,
    headers: Vec<(&'a str, &'a str)>,
}

impl<'a> EventMaker<'a> {
    fn new(platform: &Platform, call: &'a Call) -> Result<Self, CommandError> {
        let routes = local::server::route_table(platform)
            .map_err(|e| CommandError::Message(e.to_string()))?;
        let headers = (call.headers.iter())
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        Ok(Self {
            routes,
            call,
            headers,
        })
    }

    /// The payload 2.0 event of the call, as the gateway writes it.
    fn event(&self) -> Result<Vec<u8>, CommandError> {
        let call = self.call;
        local_event(
            call.method,
            &call.path,
            &self.headers,
            call.body.as_bytes(),
            &self.routes,
            "bench",
        )
        .map_err(|e| CommandError::Message(e.to_string()))
    }
}

/// The event the gateway would make of `call`, and the Invoke API call that posts it.
pub(super) fn straight(
    platform: &Platform,
    function: &str,
    call: &Call,
) -> Result<(Bytes, Call), CommandError> {
    let event = EventMaker::new(platform, call)?.event()?;
    let text =
        String::from_utf8(event.clone()).map_err(|e| CommandError::Message(e.to_string()))?;
    let invoke = Call::post(
        format!("{}{function}/invocations", invoke_api::PREFIX),
        text,
    );
    Ok((Bytes::from(event), invoke))
}

/// Fails unless the Invoke API's answer carries the status `call` expects; answers
/// the function's raw result.
async fn check_straight(
    client: &HttpClient,
    base: &str,
    invoke: &Call,
    call: &Call,
) -> Result<Bytes, CommandError> {
    let result = invoke.expect(client, base).await?;
    let status = serde_json::from_slice::<Value>(&result)
        .ok()
        .and_then(|v| v["statusCode"].as_u64());
    match (status, call.expect) {
        (Some(got), Some(want)) if got != u64::from(want) => Err(CommandError::Message(format!(
            "{} {} straight to the instance answered {got}, not {want}",
            call.method, call.path
        ))),
        (None, _) => Err(CommandError::Message(format!(
            "{} {} straight to the instance: no statusCode in {}",
            call.method,
            call.path,
            String::from_utf8_lossy(&result)
        ))),
        _ => Ok(result),
    }
}

/// Conversions timed per round, to average out the clock's granularity.
const CONVERSIONS: u32 = 20_000;

/// The gateway's own work on one request, timed alone in this process: matching the
/// route and writing the payload 2.0 event of `call` (with the request's parts built
/// as hyper would hand them over), and reading the function's `result` back into an
/// HTTP response. Microseconds per request, each.
fn conversion(
    platform: &Platform,
    call: &Call,
    result: &Bytes,
) -> Result<(f64, f64), CommandError> {
    let maker = EventMaker::new(platform, call)?;
    let started = std::time::Instant::now();
    for _ in 0..CONVERSIONS {
        let event = maker.event()?;
        std::hint::black_box(event);
    }
    let event_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(CONVERSIONS);
    let started = std::time::Instant::now();
    for _ in 0..CONVERSIONS {
        let response = from_result(result).map_err(|e| CommandError::Message(e.to_string()))?;
        std::hint::black_box(response);
    }
    let answer_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(CONVERSIONS);
    Ok((event_us, answer_us))
}

/// The three paths' runs of one round, and the gateway's conversions timed alone.
struct Round {
    platform: Run,
    straight: Run,
    in_process: Run,
    /// Microseconds to match the route and write the event.
    event_us: f64,
    /// Microseconds to read the answer into an HTTP response.
    answer_us: f64,
}

impl Round {
    fn overhead(&self) -> f64 {
        (1.0 - self.platform.rps / self.straight.rps) * 100.0
    }
}

async fn round(
    options: &BenchOptions,
    bin_dir: &Path,
    case: &Case,
    client: &HttpClient,
    index: usize,
) -> Result<Round, CommandError> {
    let settings = PoolSettings {
        max_instances: 1,
        ..PoolSettings::default()
    };
    let gateway = Gateway::start(case.functions.clone(), bin_dir, settings).await?;
    let result = async {
        case.call.expect(client, &gateway.base).await?;
        let (event, invoke) = straight(&gateway.platform, &case.function, &case.call)?;
        let result = check_straight(client, &gateway.base, &invoke, &case.call).await?;
        let pool = gateway
            .platform
            .pool(&case.function)
            .cloned()
            .ok_or_else(|| CommandError::Message(format!("no {} pool", case.function)))?;
        let pids = instance_pids(&pool);
        let run = |call: &Call, stretch| {
            let (pids, call, base) = (pids.clone(), call.clone(), gateway.base.clone());
            async move { measured(&pids, over_http(client, &call, &base, stretch)).await }
        };
        let (platform, straight) = alternating(
            index,
            options.duration,
            |stretch| run(&case.call, stretch),
            |stretch| run(&invoke, stretch),
        )
        .await;
        let in_process = measured(&pids, in_process(&pool, event, options.duration)).await;
        let (event_us, answer_us) = conversion(&gateway.platform, &case.call, &result)?;
        Ok(Round {
            platform,
            straight,
            in_process,
            event_us,
            answer_us,
        })
    }
    .await;
    gateway.stop().await;
    result
}

/// `own + instance` CPU microseconds per request.
fn cpu(run: &Run) -> String {
    format!("{:.0}+{:.0}", run.own_us, run.serving_us())
}

/// Measures one case; answers its median overhead.
async fn measure_case(
    options: &BenchOptions,
    bin_dir: &Path,
    case: &Case,
    client: &HttpClient,
) -> Result<f64, CommandError> {
    let mut rounds = Vec::new();
    for index in 0..options.runs {
        let r = round(options, bin_dir, case, client, index).await?;
        println!(
            "  {}, round {}: platform {:>6.0} | straight {:>6.0} | in-process {:>6.0} req/s; \
             CPU µs/request (this process + instance) {} | {} | {}; overhead {:.1}%; \
             the gateway's conversion alone {:.1} µs (event {:.1}, answer {:.1})",
            case.label,
            index + 1,
            r.platform.rps,
            r.straight.rps,
            r.in_process.rps,
            cpu(&r.platform),
            cpu(&r.straight),
            cpu(&r.in_process),
            r.overhead(),
            r.event_us + r.answer_us,
            r.event_us,
            r.answer_us
        );
        rounds.push(r);
    }
    let pick = |f: fn(&Round) -> f64| median(rounds.iter().map(f).collect());
    let overhead = pick(Round::overhead);
    println!(
        "  {}: platform {:.0} req/s, straight {:.0} req/s, in-process {:.0} req/s (medians); \
         CPU per request {:.0}+{:.0} | {:.0}+{:.0} | {:.0}+{:.0} µs; \
         platform overhead {overhead:.1}% (median of rounds; {:.1}% of the medians); \
         the gateway's conversion alone {:.1} µs per request (event {:.1}, answer {:.1})",
        case.label,
        pick(|r| r.platform.rps),
        pick(|r| r.straight.rps),
        pick(|r| r.in_process.rps),
        pick(|r| r.platform.own_us),
        pick(|r| r.platform.serving_us()),
        pick(|r| r.straight.own_us),
        pick(|r| r.straight.serving_us()),
        pick(|r| r.in_process.own_us),
        pick(|r| r.in_process.serving_us()),
        (1.0 - pick(|r| r.platform.rps) / pick(|r| r.straight.rps)) * 100.0,
        pick(|r| r.event_us + r.answer_us),
        pick(|r| r.event_us),
        pick(|r| r.answer_us)
    );
    Ok(overhead)
}

/// Prints each case's rounds and medians, then the overheads against the target.
pub(super) async fn measure(
    options: &BenchOptions,
    bin_dir: &Path,
    probe: &Subject,
    functions: &[FunctionSpec],
    client: &HttpClient,
) -> Result<(), CommandError> {
    println!(
        "\n== platform overhead: through the platform vs straight to one instance (Invoke API), \
         one instance at concurrency 10, {:.1} s per run, {} rounds ==",
        options.duration.as_secs_f64(),
        options.runs
    );
    println!(
        "  platform: HTTP to the gateway, payload 2.0 event, pool, Runtime API, answer back to HTTP;\n  \
         straight: the same event POSTed to /2015-03-31/functions/<name>/invocations, the raw result back;\n  \
         in-process: the pool called with the event, no HTTP (reference). Same client, order alternating."
    );
    let mut cases = vec![Case {
        label: format!("{} {}", probe.spec.name, probe.call.path),
        function: probe.spec.name.clone(),
        functions: vec![probe.spec.clone()],
        call: probe.call.clone(),
    }];
    if let (Some(user), Some(rule)) = (
        serving(functions, "/api/register"),
        serving(functions, "/api/rule"),
    ) {
        let both = vec![user.clone(), rule.clone()];
        let gateway = Gateway::start(both.clone(), bin_dir, PoolSettings::default()).await?;
        let bearer = signed_in_user_with_todos(client, &gateway.base).await;
        gateway.stop().await;
        for (label, call) in rule_requests(&bearer?) {
            cases.push(Case {
                label: label.to_owned(),
                function: rule.name.clone(),
                functions: both.clone(),
                call,
            });
        }
    } else {
        println!("  (the rule cases are skipped: the user and rule functions are not built)");
    }
    let mut summary: Vec<(String, f64)> = Vec::new();
    for case in &cases {
        summary.push((
            case.label.clone(),
            measure_case(options, bin_dir, case, client).await?,
        ));
    }
    println!("  platform overhead against the target (< {TARGET_PERCENT:.0}% of warm throughput):");
    for (label, overhead) in &summary {
        let verdict = if *overhead < TARGET_PERCENT {
            "met"
        } else {
            "NOT met"
        };
        println!("    {label:<28} {overhead:>5.1}%  {verdict}");
    }
    if let Some((label, overhead)) = summary.first() {
        let verdict = if *overhead < PROBE_TARGET_PERCENT {
            "met"
        } else {
            "NOT met"
        };
        println!(
            "  the trivial handler ({label}) against its own target (< {PROBE_TARGET_PERCENT:.0}%): \
             {overhead:.1}%  {verdict}"
        );
    }
    Ok(())
}
