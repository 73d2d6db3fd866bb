//! Cold start per system and function: the init duration (spawn to first `next`, as
//! the platform reports it; `cargo lambda watch` reports none), the first request on
//! the cold instance (spawn included), the idle instance's resident memory, and its
//! resident memory after 1,000 more requests (10 clients).

use std::sync::Arc;
use std::time::Instant;

use local::commands::CommandError;

use super::systems::{Kind, Running, Setup, rss_mib};
use crate::{Call, HttpClient, median};

/// Requests sent after the first one before memory is read again.
const AFTER: usize = 1000;
/// Clients sending them.
const CLIENTS: usize = 10;

/// One function's cold-start figures on one system (medians of the rounds).
#[derive(Debug, Clone, Default)]
pub(super) struct Cold {
    pub(super) init_ms: Option<f64>,
    pub(super) first_ms: f64,
    pub(super) idle_mib: f64,
    pub(super) after_mib: f64,
}

/// Samples of one function on one system.
#[derive(Default)]
struct Samples {
    init: Vec<f64>,
    first: Vec<f64>,
    idle: Vec<f64>,
    after: Vec<f64>,
}

async fn thousand(http: &HttpClient, base: &str, call: &Call) -> Result<(), CommandError> {
    let (base, call) = (Arc::<str>::from(base), Arc::new(call.clone()));
    let workers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (http, base, call) = (http.clone(), base.clone(), call.clone());
            tokio::spawn(async move {
                for _ in 0..AFTER / CLIENTS {
                    call.expect(&http, &base).await?;
                }
                Ok::<(), CommandError>(())
            })
        })
        .collect();
    for worker in futures::future::join_all(workers).await {
        worker.map_err(|e| CommandError::Message(e.to_string()))??;
    }
    Ok(())
}

/// One cold start of every function of a started system.
async fn once(
    http: &HttpClient,
    system: &mut Running,
    calls: &[(&str, Call)],
    samples: &mut [Samples],
) -> Result<(), CommandError> {
    let started = Instant::now();
    system.start_functions()?;
    for ((function, call), samples) in calls.iter().zip(samples.iter_mut()) {
        let base = system.base(&call.path);
        let sent = if system.kind == Kind::CargoLambda {
            started
        } else {
            Instant::now()
        };
        call.expect(http, &base).await?;
        samples.first.push(sent.elapsed().as_secs_f64() * 1000.0);
        samples.init.extend(system.init_ms(function));
        samples.idle.extend(rss_mib(&system.pids(function)));
        thousand(http, &base, call).await?;
        samples.after.extend(rss_mib(&system.pids(function)));
    }
    Ok(())
}

/// `rounds` cold starts of each system, the systems taking turns; answers, per system
/// (in the order of `setups`) and per function (in the order of `calls`), the medians.
pub(super) async fn measure(
    http: &HttpClient,
    setups: &[Setup],
    calls: &[(&str, Call)],
    rounds: usize,
) -> Result<Vec<Vec<Cold>>, CommandError> {
    let mut samples: Vec<Vec<Samples>> = setups
        .iter()
        .map(|_| calls.iter().map(|_| Samples::default()).collect())
        .collect();
    for round in 0..rounds {
        for offset in 0..setups.len() {
            let i = (round + offset) % setups.len();
            let mut system = setups[i].start().await?;
            let result = once(http, &mut system, calls, &mut samples[i]).await;
            system.stop().await;
            result?;
        }
    }
    Ok(samples
        .into_iter()
        .map(|per_function| {
            per_function
                .into_iter()
                .map(|s| Cold {
                    init_ms: (!s.init.is_empty()).then(|| median(s.init)),
                    first_ms: median(s.first),
                    idle_mib: median(s.idle),
                    after_mib: median(s.after),
                })
                .collect()
        })
        .collect())
}
