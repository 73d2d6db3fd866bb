//! Lambda-style log lines: `START`, `END`, `REPORT`, prefixed by function and instance.
//!
//! Lines go to standard error, and the most recent ones are kept in memory for the
//! status page, `invoke` and tests. What an instance writes passes through
//! [`Logs::output`], which also reads the metric documents among it ([`EmfMetrics`]),
//! as CloudWatch Logs does.

use std::collections::VecDeque;
use std::fmt;
use std::io::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use super::emf::EmfMetrics;

/// How many recent lines are kept.
const RECENT: usize = 500;

/// Where log lines go.
#[derive(Debug)]
pub struct Logs {
    echo: bool,
    recent: Mutex<VecDeque<String>>,
    emf: EmfMetrics,
}

impl Logs {
    /// A sink that also writes to standard error when `echo` is set.
    pub fn new(echo: bool) -> Self {
        Self {
            echo,
            recent: Mutex::new(VecDeque::with_capacity(RECENT)),
            emf: EmfMetrics::default(),
        }
    }

    /// Writes `line` prefixed by `[function#instance]`.
    pub fn line(&self, function: &str, instance: u64, line: impl fmt::Display) {
        self.write(format!("[{function}#{instance}] {line}"));
    }

    /// Writes a line that instance `instance` of `function` wrote, after taking the
    /// values of a metric document from it.
    pub fn output(&self, function: &str, instance: u64, line: &str) {
        self.emf.offer(function, line);
        self.line(function, instance, line);
    }

    /// The metrics read from the instances' output.
    pub fn emf(&self) -> &EmfMetrics {
        &self.emf
    }

    /// Writes a platform line prefixed by `[function]`.
    pub fn function(&self, function: &str, line: impl fmt::Display) {
        self.write(format!("[{function}] {line}"));
    }

    fn write(&self, text: String) {
        if self.echo {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "{text}");
        }
        if let Ok(mut recent) = self.recent.lock() {
            if recent.len() == RECENT {
                recent.pop_front();
            }
            recent.push_back(text);
        }
    }

    /// The most recent lines, oldest first.
    pub fn recent(&self) -> Vec<String> {
        self.recent
            .lock()
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// The `REPORT` line of one invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The invocation's request id.
    pub request_id: String,
    /// From delivery to the instance until its answer.
    pub duration: Duration,
    /// The function's memory size in MB.
    pub memory_mb: u32,
    /// The instance's peak resident memory in MB.
    pub max_memory_mb: u64,
    /// Set on the first invocation of an instance (a cold start).
    pub init_duration: Option<Duration>,
}

impl Report {
    /// The duration Lambda would bill: whole milliseconds, rounded up.
    pub fn billed_ms(&self) -> u128 {
        self.duration.as_micros().div_ceil(1000).max(1)
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "REPORT RequestId: {}\tDuration: {:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB",
            self.request_id,
            ms(self.duration),
            self.billed_ms(),
            self.memory_mb,
            self.max_memory_mb,
        )?;
        if let Some(init) = self.init_duration {
            write!(f, "\tInit Duration: {:.2} ms", ms(init))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_lines_look_like_lambdas() {
        let report = Report {
            request_id: "abc".into(),
            duration: Duration::from_micros(12_345),
            memory_mb: 128,
            max_memory_mb: 9,
            init_duration: Some(Duration::from_micros(4_500)),
        };
        assert_eq!(
            report.to_string(),
            "REPORT RequestId: abc\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB\tInit Duration: 4.50 ms"
        );
    }

    #[test]
    fn recent_lines_are_kept_with_their_prefix() {
        let logs = Logs::new(false);
        logs.line("rule", 3, "START RequestId: x");
        assert_eq!(
            logs.recent(),
            vec!["[rule#3] START RequestId: x".to_owned()]
        );
    }
}
