//! Warm latency and throughput per system: each request at 1, 10 and 50 clients, the
//! systems taking turns in short stretches ([`super::clients::alternating`]); p50 and
//! p99 latency at 1 and 10 clients, requests per second at 10 and 50, and the serving
//! instance's CPU time per request at 10 clients. Medians of the rounds.

use std::time::Duration;

use super::clients::{Load, alternating};
use super::systems::Running;
use crate::{Call, HttpClient, median};

/// The client counts measured.
pub(super) const CLIENTS: [usize; 3] = [1, 10, 50];

/// One request's warm figures on one system.
#[derive(Debug, Clone, Default)]
pub(super) struct Warm {
    pub(super) p50_1: f64,
    pub(super) p99_1: f64,
    pub(super) p50_10: f64,
    pub(super) p99_10: f64,
    pub(super) rps_10: f64,
    pub(super) rps_50: f64,
    pub(super) cpu_us_10: f64,
    /// Requests that failed or got another status, over all runs.
    pub(super) failed: u64,
}

/// Measures `call` (served by `function`) on every system; answers in their order.
pub(super) async fn measure(
    http: &HttpClient,
    systems: &[Running],
    function: &str,
    label: &str,
    call: &Call,
    rounds: usize,
    duration: Duration,
) -> Vec<Warm> {
    // rounds[system][clients index]
    let mut runs: Vec<Vec<Vec<Load>>> = systems
        .iter()
        .map(|_| CLIENTS.iter().map(|_| Vec::new()).collect())
        .collect();
    for round in 0..rounds {
        for (c, clients) in CLIENTS.iter().enumerate() {
            let loads = alternating(http, systems, function, call, *clients, duration, round).await;
            for (s, load) in loads.into_iter().enumerate() {
                println!(
                    "  {label}, round {}, {clients:>2} clients, {:<12} {:>7.0} req/s, p50 {:>6.2} ms, p99 {:>6.2} ms, {:>5.0} µs CPU/request{}",
                    round + 1,
                    systems[s].kind.label(),
                    load.rps(),
                    load.latency(0.5),
                    load.latency(0.99),
                    load.cpu_us(),
                    if load.failed > 0 {
                        format!(", {} failed", load.failed)
                    } else {
                        String::new()
                    }
                );
                runs[s][c].push(load);
            }
        }
    }
    runs.into_iter()
        .map(|per_clients| {
            let pick =
                |c: usize, f: fn(&Load) -> f64| median(per_clients[c].iter().map(f).collect());
            Warm {
                p50_1: pick(0, |l| l.latency(0.5)),
                p99_1: pick(0, |l| l.latency(0.99)),
                p50_10: pick(1, |l| l.latency(0.5)),
                p99_10: pick(1, |l| l.latency(0.99)),
                rps_10: pick(1, Load::rps),
                rps_50: pick(2, Load::rps),
                cpu_us_10: pick(1, Load::cpu_us),
                failed: per_clients.iter().flatten().map(|l| l.failed).sum(),
            }
        })
        .collect()
}
