//! Scaling policies: per-instance concurrency, or metrics and watermarks.
//!
//! Under [`Policy::Concurrency`] the pool starts an instance whenever the waiting
//! requests outnumber the free slots of the instances already starting, so under
//! steady load instances = ceil(in-flight / concurrency). Under [`Policy::Watermark`]
//! a periodic [`WatermarkScaler`] looks at per-instance CPU, memory, in-flight and
//! latency and adds or removes one instance at a time, like a container autoscaler.

use std::time::{Duration, Instant};

/// How a function's instance count follows its load.
#[derive(Debug, Clone, PartialEq)]
pub enum Policy {
    /// Start an instance when every instance is full (the FaaS rule).
    Concurrency,
    /// Follow metrics with high and low watermarks (the container rule).
    Watermark(Watermarks),
}

impl Policy {
    /// The policy's name as the command line and the status page spell it.
    pub fn name(&self) -> &'static str {
        match self {
            Policy::Concurrency => "concurrency",
            Policy::Watermark(_) => "watermark",
        }
    }
}

/// Metric levels, averaged over the ready instances.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Load {
    /// CPU use of one instance, in percent of one core.
    pub cpu_percent: f64,
    /// Resident memory of one instance, in MiB.
    pub rss_mib: f64,
    /// In-flight requests over declared concurrency, 0 to 1.
    pub in_flight_ratio: f64,
    /// Mean latency of requests finished since the last sample, in ms.
    pub latency_ms: f64,
}

/// When to scale out (any metric above `high`) and in (every metric below `low`).
#[derive(Debug, Clone, PartialEq)]
pub struct Watermarks {
    /// Scale out when any metric exceeds its level here.
    pub high: Load,
    /// Scale in when every metric stays below its level here for `cooldown`.
    pub low: Load,
    /// The least time between two scaling actions, and how long load must stay low.
    pub cooldown: Duration,
}

impl Default for Watermarks {
    fn default() -> Self {
        Self {
            high: Load {
                cpu_percent: 70.0,
                rss_mib: 256.0,
                in_flight_ratio: 0.8,
                latency_ms: 1000.0,
            },
            low: Load {
                cpu_percent: 20.0,
                rss_mib: 128.0,
                in_flight_ratio: 0.3,
                latency_ms: 300.0,
            },
            cooldown: Duration::from_secs(5),
        }
    }
}

impl Load {
    fn any_above(&self, level: &Load) -> bool {
        self.cpu_percent > level.cpu_percent
            || self.rss_mib > level.rss_mib
            || self.in_flight_ratio > level.in_flight_ratio
            || self.latency_ms > level.latency_ms
    }

    fn all_below(&self, level: &Load) -> bool {
        self.cpu_percent < level.cpu_percent
            && self.rss_mib < level.rss_mib
            && self.in_flight_ratio < level.in_flight_ratio
            && self.latency_ms < level.latency_ms
    }
}

/// What the scaler wants done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Add one instance.
    ScaleOut,
    /// Remove one idle instance.
    ScaleIn,
    /// Change nothing.
    Hold,
}

/// The watermark policy's memory: when it last acted and since when load is low.
#[derive(Debug, Clone)]
pub struct WatermarkScaler {
    marks: Watermarks,
    last_action: Option<Instant>,
    low_since: Option<Instant>,
}

impl WatermarkScaler {
    /// A scaler for these watermarks.
    pub fn new(marks: Watermarks) -> Self {
        Self {
            marks,
            last_action: None,
            low_since: None,
        }
    }

    /// Decides, for `load` measured at `now` over `instances` live instances, whether
    /// to add or remove one, never leaving `min..=max`.
    pub fn decide(
        &mut self,
        load: &Load,
        instances: usize,
        min: usize,
        max: usize,
        now: Instant,
    ) -> Decision {
        let cooled = self
            .last_action
            .is_none_or(|t| now.duration_since(t) >= self.marks.cooldown);
        if load.any_above(&self.marks.high) {
            self.low_since = None;
            if instances < max && cooled {
                self.last_action = Some(now);
                return Decision::ScaleOut;
            }
            return Decision::Hold;
        }
        if !load.all_below(&self.marks.low) {
            self.low_since = None;
            return Decision::Hold;
        }
        let since = *self.low_since.get_or_insert(now);
        if instances > min && cooled && now.duration_since(since) >= self.marks.cooldown {
            self.last_action = Some(now);
            self.low_since = Some(now);
            return Decision::ScaleIn;
        }
        Decision::Hold
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(in_flight_ratio: f64) -> Load {
        Load {
            cpu_percent: 1.0,
            rss_mib: 5.0,
            in_flight_ratio,
            latency_ms: 10.0,
        }
    }

    fn scaler() -> WatermarkScaler {
        WatermarkScaler::new(Watermarks {
            cooldown: Duration::from_millis(100),
            ..Watermarks::default()
        })
    }

    /// Feeds `s` one step per row: (in-flight ratio, live instances, ms after the
    /// start, the decision expected), with `min..=max` instances allowed.
    fn steps(
        s: &mut WatermarkScaler,
        (min, max): (usize, usize),
        rows: &[(f64, usize, u64, Decision)],
    ) {
        let t0 = Instant::now();
        for &(ratio, instances, ms, expected) in rows {
            let now = t0 + Duration::from_millis(ms);
            assert_eq!(
                s.decide(&load(ratio), instances, min, max, now),
                expected,
                "load {ratio} on {instances} instances at {ms} ms"
            );
        }
    }

    #[test]
    fn high_load_scales_out_once_per_cooldown_up_to_max() {
        use Decision::{Hold, ScaleOut};
        let rows = [
            (1.0, 1, 0, ScaleOut),
            (1.0, 2, 50, Hold),
            (1.0, 2, 150, ScaleOut),
            (1.0, 3, 300, Hold),
        ];
        steps(&mut scaler(), (1, 3), &rows);
    }

    #[test]
    fn low_load_scales_in_after_the_cooldown_but_never_below_min() {
        use Decision::{Hold, ScaleIn};
        let rows = [
            (0.0, 3, 0, Hold),
            (0.0, 3, 120, ScaleIn),
            (0.0, 2, 150, Hold),
            (0.0, 2, 250, ScaleIn),
            (0.0, 1, 500, Hold),
        ];
        steps(&mut scaler(), (1, 5), &rows);
    }

    #[test]
    fn load_between_the_watermarks_holds() {
        let rows = [
            (0.5, 2, 0, Decision::Hold),
            (0.5, 2, 10_000, Decision::Hold),
        ];
        steps(&mut scaler(), (1, 5), &rows);
    }
}
