//! `bench` (`make bench`): cold starts, latency, throughput, memory and scale-out
//! figures of the functions under the local platform, and of their peers.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use bench::{BenchOptions, Section};
use clap::Parser;
use local::commands::run_to_exit;

/// Measure cold starts, latency, throughput, memory and scale-out.
#[derive(Parser)]
#[command(name = "bench", version)]
struct Cli {
    /// The SAM template (its functions are measured when their binaries exist).
    #[arg(long, default_value = "template.yml")]
    template: PathBuf,
    /// Where the binaries are (default: target/release, then target/debug).
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// Repetitions per figure.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Seconds per throughput run.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// Only these measurements (repeatable): cold-start, overhead, container-cost,
    /// scale-out, writes, cost, growth, signing-key, peers, container-start,
    /// step-load, baseline, floor. All of them by default.
    #[arg(long = "only", value_enum)]
    only: Vec<Section>,
    /// The largest list the growth curve seeds (10, 100, 1000, 10000 up to it).
    #[arg(long, default_value_t = 10_000)]
    growth_max: usize,
    /// Where the bench writes its plots (SVG).
    #[arg(long, default_value = "docs/bench")]
    plots: PathBuf,
    /// Sequential requests per route in the write costs (`writes`): their latency's
    /// p50 and p90; the round trips are counted over the first 20 of them at most.
    #[arg(long, default_value_t = 200)]
    write_requests: usize,
    /// The `user` and `rule` binaries of an earlier commit (bench/build-baseline.sh
    /// REV prints the folder), measured beside today's by the `baseline` section.
    #[arg(long)]
    baseline_bin_dir: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    run_to_exit(bench::run(BenchOptions {
        template: cli.template,
        bin_dir: cli.bin_dir,
        runs: cli.runs.max(1),
        duration: Duration::from_secs_f64(cli.seconds),
        sections: cli.only,
        growth_max: cli.growth_max,
        plots: cli.plots,
        write_requests: cli.write_requests.max(1),
        baseline_bin_dir: cli.baseline_bin_dir,
    }))
}
