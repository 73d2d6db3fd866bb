//! Sampling an instance's process from `/proc` (the `procfs` crate): CPU time,
//! resident and peak memory.
//!
//! Linux only; on other systems, or once the process is gone, samples are `None`.

/// One reading of a process's counters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProcessSample {
    /// User plus system CPU time so far, in seconds.
    pub cpu_seconds: f64,
    /// Resident set size, in KiB.
    pub rss_kib: u64,
    /// Peak resident set size (`VmHWM`), in KiB.
    pub peak_rss_kib: u64,
}

#[cfg(target_os = "linux")]
fn process(pid: u32) -> Option<procfs::process::Process> {
    procfs::process::Process::new(i32::try_from(pid).ok()?).ok()
}

/// Reads the counters of process `pid`.
#[cfg(target_os = "linux")]
pub fn sample(pid: u32) -> Option<ProcessSample> {
    let process = process(pid)?;
    let stat = process.stat().ok()?;
    let status = process.status().ok()?;
    Some(ProcessSample {
        cpu_seconds: (stat.utime + stat.stime) as f64 / procfs::ticks_per_second() as f64,
        rss_kib: status.vmrss?,
        peak_rss_kib: status.vmhwm?,
    })
}

/// The peak resident set size (`VmHWM`) of process `pid`, in KiB: one read of
/// `/proc/<pid>/status`, for `REPORT`'s Max Memory Used.
#[cfg(target_os = "linux")]
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    process(pid)?.status().ok()?.vmhwm
}

/// Reads the counters of process `pid` (not on this system).
#[cfg(not(target_os = "linux"))]
pub fn sample(_pid: u32) -> Option<ProcessSample> {
    None
}

/// The peak resident set size of process `pid` (not on this system).
#[cfg(not(target_os = "linux"))]
pub fn peak_rss_kib(_pid: u32) -> Option<u64> {
    None
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn this_process_can_be_sampled() {
        let s = sample(std::process::id()).expect("own process readable");
        assert!(s.rss_kib > 0);
        assert!(s.peak_rss_kib >= s.rss_kib);
        assert!(s.cpu_seconds >= 0.0);
        let peak = peak_rss_kib(std::process::id()).expect("peak readable");
        assert!(peak >= s.peak_rss_kib);
    }

    #[test]
    fn cpu_time_grows_with_work() {
        let cpu = || sample(std::process::id()).expect("readable").cpu_seconds;
        let before = cpu();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut after = before;
        let mut x = 0u64;
        // A busy loop until the kernel has counted 50 ms of it (clock ticks are 10 ms).
        while after - before < 0.05 && std::time::Instant::now() < deadline {
            for _ in 0..1_000_000 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
            }
            after = cpu();
        }
        assert!(after - before >= 0.05, "{before} -> {after}");
    }

    #[test]
    fn a_missing_process_gives_none() {
        assert_eq!(sample(u32::MAX), None);
        assert_eq!(peak_rss_kib(u32::MAX), None);
    }
}
