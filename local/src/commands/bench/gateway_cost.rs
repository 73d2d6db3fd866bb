//! What the gateway's own work costs: one instance of the test function (a trivial
//! handler, so the platform's share is as large as it gets) at concurrency 10, reached
//!
//! - through the gateway: HTTP request, routing, payload 2.0 event, the pool, the
//!   instance over the Runtime API, the answer converted back to HTTP;
//! - through a bare HTTP front: the same client over the same kind of connection to a
//!   minimal server that hands a prebuilt event to the same pool and returns the raw
//!   result (no routing, no conversion);
//! - in-process: the pool called directly, no HTTP at all.
//!
//! *Gateway overhead* is gateway against bare HTTP, in requests per second and in CPU
//! per request (this process plus the instance). Both paths include the same client,
//! so the CPU figure understates the gateway's share of the platform's own work.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;

use super::load::{Run, in_process, instance_pids, measured, over_http};
use super::{BenchOptions, Gateway, HttpClient, Subject, loopback_listener, median};
use crate::commands::CommandError;
use crate::event::local_event;
use crate::pool::{Pool, PoolSettings};
use crate::routes::RouteTable;

/// The payload 2.0 event the gateway would make of `subject`'s call.
fn prebuilt_event(subject: &Subject, routes: &RouteTable) -> Result<Bytes, CommandError> {
    let call = &subject.call;
    let headers: Vec<(&str, &str)> = call
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    local_event(
        call.method,
        &call.path,
        &headers,
        call.body.as_bytes(),
        routes,
        "bench",
    )
    .map(Bytes::from)
    .map_err(|e| CommandError::Message(e.to_string()))
}

/// A minimal HTTP front: every request invokes `pool` with `event` and answers the
/// instance's raw result, with no routing and no event conversion.
async fn bare_http(
    pool: Arc<Pool>,
    event: Bytes,
) -> Result<(String, tokio::task::JoinHandle<()>), CommandError> {
    let (listener, base) = loopback_listener("the bare bench server").await?;
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

/// Prints each round and the medians.
pub(super) async fn measure(
    options: &BenchOptions,
    bin_dir: &Path,
    subject: &Subject,
    client: &HttpClient,
) -> Result<(), CommandError> {
    println!(
        "\n== gateway cost: test function, one instance, concurrency 10, {:.1} s per run, {} rounds ==",
        options.duration.as_secs_f64(),
        options.runs
    );
    println!(
        "  gateway: routing, payload 2.0 event in, HTTP response out, then the pool;\n  \
         bare HTTP: a minimal HTTP server handing a prebuilt event to the same pool;\n  \
         in-process: the pool called with no HTTP. Same client, alternating each round."
    );
    let settings = PoolSettings {
        max_instances: 1,
        ..PoolSettings::default()
    };
    let (mut through, mut bare, mut direct) = (Vec::new(), Vec::new(), Vec::new());
    let (mut cpu_gateway, mut cpu_bare, mut cpu_direct) = (Vec::new(), Vec::new(), Vec::new());
    let (mut overhead_cpu, mut overhead_rps) = (Vec::new(), Vec::new());
    for round in 0..options.runs {
        let gateway = Gateway::start(vec![subject.spec.clone()], bin_dir, settings.clone()).await?;
        subject.call.expect(client, &gateway.base).await?;
        let pool = gateway
            .platform
            .pool(&subject.spec.name)
            .cloned()
            .ok_or_else(|| CommandError::Message("no pool".into()))?;
        let event = prebuilt_event(subject, gateway.platform.routes())?;
        let (bare_base, bare_server) = bare_http(pool.clone(), event.clone()).await?;
        subject.call.expect(client, &bare_base).await?;
        let pids = instance_pids(&pool);
        let run = |base: String| {
            let pids = pids.clone();
            async move {
                measured(
                    &pids,
                    over_http(client, &subject.call, &base, options.duration),
                )
                .await
            }
        };
        let (g, b): (Run, Run) = if round % 2 == 0 {
            let g = run(gateway.base.clone()).await;
            (g, run(bare_base.clone()).await)
        } else {
            let b = run(bare_base.clone()).await;
            (run(gateway.base.clone()).await, b)
        };
        let d = measured(&pids, in_process(&pool, event, options.duration)).await;
        let (cpu_share, rps_share) = (
            (g.cpu_us - b.cpu_us) / g.cpu_us * 100.0,
            (1.0 - g.rps / b.rps) * 100.0,
        );
        println!(
            "  round {}: gateway {:>7.0} | bare HTTP {:>7.0} | in-process {:>7.0} req/s; \
             CPU/request {:.1} | {:.1} | {:.1} µs; gateway overhead {cpu_share:.1}% CPU, {rps_share:.1}% req/s",
            round + 1,
            g.rps,
            b.rps,
            d.rps,
            g.cpu_us,
            b.cpu_us,
            d.cpu_us
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
        "  through the gateway:   {through:>8.0} req/s, {cpu_gateway:>6.1} µs CPU per request"
    );
    println!("  bare HTTP to the pool: {bare:>8.0} req/s, {cpu_bare:>6.1} µs CPU per request");
    println!("  in-process to the pool:{direct:>8.0} req/s, {cpu_direct:>6.1} µs CPU per request");
    println!(
        "  gateway overhead: {:.1}% CPU per request ({:.1} µs), {:.1}% req/s (of medians); \
         median of the rounds' own figures {:.1}% CPU, {:.1}% req/s",
        (cpu_gateway - cpu_bare) / cpu_gateway * 100.0,
        cpu_gateway - cpu_bare,
        (1.0 - through / bare) * 100.0,
        median(overhead_cpu),
        median(overhead_rps)
    );
    Ok(())
}
