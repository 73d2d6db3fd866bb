//! Sampling: each tick reads every instance's CPU time and memory from `/proc`
//! (without the lock), averages the ready instances' load and lets the watermark
//! policy decide; `REPORT`'s peak memory is read at most every [`PEAK_MEMORY_MAX_AGE`].

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::runtime::policy::{Decision, Load, Policy, WatermarkScaler};
use crate::runtime::procfs::{self, ProcessSample};

use super::lifecycle::Instances;
use super::state::assert_unlocked;

/// How stale an instance's peak memory (`REPORT`'s Max Memory Used) may be before an
/// invocation reads `/proc` again; the periodic tick refreshes it too. Reading `/proc`
/// on every invocation cost a noticeable share of warm throughput.
const PEAK_MEMORY_MAX_AGE: Duration = Duration::from_millis(100);

/// What is known of one instance's CPU and memory.
#[derive(Debug, Default)]
pub(super) struct Usage {
    last_sample: Option<(Instant, ProcessSample)>,
    /// CPU use over the last sample, percent of a core.
    pub(super) cpu_percent: f64,
    /// Resident memory, KiB.
    pub(super) rss_kib: u64,
    /// Peak resident memory (`VmHWM`) as last read, KiB, and when it was read.
    peak_rss_kib: u64,
    peak_read_at: Option<Instant>,
    /// Latencies finished since the last tick.
    pub(super) window: Vec<Duration>,
}

impl Usage {
    /// Takes in a `/proc` sample read at `now`.
    fn record(&mut self, now: Instant, sample: ProcessSample) {
        if let Some((at, prev)) = self.last_sample {
            let wall = now.duration_since(at).as_secs_f64();
            if wall > 0.0 {
                self.cpu_percent =
                    ((sample.cpu_seconds - prev.cpu_seconds) / wall * 100.0).max(0.0);
            }
        }
        self.last_sample = Some((now, sample));
        self.rss_kib = sample.rss_kib;
        self.record_peak(sample.peak_rss_kib, now);
    }

    /// The peak memory known, and `pid` when it is stale and this caller is to read it
    /// (one caller per interval claims the read; every caller reads until a first value
    /// is known, so no `REPORT` says 0 MB).
    pub(super) fn claim_peak(&mut self, now: Instant, pid: Option<u32>) -> (u64, Option<u32>) {
        let stale = self.peak_rss_kib == 0
            || self
                .peak_read_at
                .is_none_or(|at| now.saturating_duration_since(at) >= PEAK_MEMORY_MAX_AGE);
        if stale {
            self.peak_read_at = Some(now);
        }
        (self.peak_rss_kib, pid.filter(|_| stale))
    }

    /// Takes in a peak read at `now`.
    pub(super) fn record_peak(&mut self, kib: u64, now: Instant) {
        self.peak_rss_kib = self.peak_rss_kib.max(kib);
        self.peak_read_at = Some(now);
    }
}

/// Reads `/proc` for each `(instance, pid)`; call without the lock.
pub(super) fn read(pids: Vec<(u64, Option<u32>)>) -> Vec<(u64, ProcessSample)> {
    assert_unlocked("reading /proc");
    pids.into_iter()
        .filter_map(|(id, pid)| Some((id, procfs::sample(pid?)?)))
        .collect()
}

/// Reads process `pid`'s peak memory; call without the lock.
pub(super) fn read_peak(pid: u32) -> Option<u64> {
    assert_unlocked("reading /proc");
    procfs::peak_rss_kib(pid)
}

/// The tick's view of a pool's load, and the watermark policy's memory.
#[derive(Debug)]
pub(super) struct Sampler {
    scaler: Mutex<Option<WatermarkScaler>>,
    concurrency: f64,
    /// The fewest and most instances the policy may leave.
    min: usize,
    max: usize,
}

impl Sampler {
    /// A sampler for `policy` over instances of `concurrency`, between `min` and `max`.
    pub(super) fn new(policy: &Policy, concurrency: u32, min: usize, max: usize) -> Self {
        let scaler = match policy {
            Policy::Watermark(marks) => Some(WatermarkScaler::new(marks.clone())),
            Policy::Concurrency => None,
        };
        Self {
            scaler: Mutex::new(scaler),
            concurrency: f64::from(concurrency),
            min: min.max(1),
            max,
        }
    }

    /// Takes in `samples` read at `now`.
    pub(super) fn record(
        &self,
        instances: &mut Instances,
        samples: Vec<(u64, ProcessSample)>,
        now: Instant,
    ) {
        for (id, sample) in samples {
            if let Some(rec) = instances.get_mut(id) {
                rec.usage.record(now, sample);
            }
        }
    }

    /// Averages over ready instances (`queued` requests count as in flight);
    /// drains each instance's latency window. `None` when none is ready.
    pub(super) fn load(&self, instances: &mut Instances, queued: usize) -> Option<Load> {
        let (mut n, mut cpu, mut rss, mut ratio, mut latency_sum, mut latency_count) =
            (0usize, 0.0, 0.0, 0.0, 0.0, 0usize);
        for rec in instances.ready_mut() {
            n += 1;
            cpu += rec.usage.cpu_percent;
            rss += rec.usage.rss_kib as f64 / 1024.0;
            ratio += f64::from(rec.in_flight) / self.concurrency;
            latency_sum += rec
                .usage
                .window
                .iter()
                .map(|d| d.as_secs_f64() * 1000.0)
                .sum::<f64>();
            latency_count += rec.usage.window.len();
            rec.usage.window.clear();
        }
        if n == 0 {
            return None;
        }
        let n = n as f64;
        let waiting = queued as f64 / self.concurrency / n;
        Some(Load {
            cpu_percent: cpu / n,
            rss_mib: rss / n,
            in_flight_ratio: ratio / n + waiting,
            latency_ms: if latency_count == 0 {
                0.0
            } else {
                latency_sum / latency_count as f64
            },
        })
    }

    /// The watermark policy's decision for `load` over `live` instances.
    pub(super) fn decide(&self, load: Option<&Load>, live: usize, now: Instant) -> Decision {
        match (self.scaler.lock(), load) {
            (Ok(mut guard), Some(load)) => guard.as_mut().map_or(Decision::Hold, |s| {
                s.decide(load, live, self.min, self.max, now)
            }),
            _ => Decision::Hold,
        }
    }
}
