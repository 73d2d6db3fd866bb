//! `bench` end to end, in a short run: every figure it promises is printed, for the
//! test function and the template's real functions, and the peers comparison (the
//! Node.js twin and cargo lambda, which `make peers` builds; `make unit-test` does it
//! first) prints its table, the write costs (round trips and latency per write
//! route) and the cost per million requests their rows, and the before-and-after
//! section judges today's binaries against a baseline (themselves, here), so the
//! benchmark cannot rot between the runs that quote it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `bench` on the workspace's binaries (built first, beside it), run from the
/// repository root, and the folder that holds them.
fn bench_command() -> (Command, PathBuf) {
    shared_testing::workspace::build_workspace_binaries();
    let bench = Path::new(env!("CARGO_BIN_EXE_bench"));
    let bin_dir = bench.parent().expect("the target folder").to_path_buf();
    let mut command = Command::new(bench);
    command
        .arg("--bin-dir")
        .arg(&bin_dir)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    (command, bin_dir)
}

/// What `command` printed; fails unless it succeeded.
fn printed(command: &mut Command) -> String {
    let output = command.output().expect("bench runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    stdout
}

#[test]
fn a_short_bench_run_prints_every_figure_and_the_overhead_verdicts() {
    let (mut command, bin_dir) = bench_command();
    let plots = std::env::temp_dir().join(format!("bench-plots-{}", std::process::id()));
    let stdout = printed(
        command
            .args(["--runs", "1", "--seconds", "0.6", "--growth-max", "100"])
            .args(["--write-requests", "3"])
            .arg("--plots")
            .arg(&plots)
            // Today's binaries as their own baseline: the section runs and judges.
            .arg("--baseline-bin-dir")
            .arg(&bin_dir),
    );
    for function in ["probe", "user", "rule"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.trim_start().starts_with(function) && l.contains("idle RSS")),
            "no cold-start line for {function}:\n{stdout}"
        );
    }
    let verdicts: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.contains("platform overhead against the target"))
        .skip(1)
        .take_while(|l| l.starts_with("    "))
        .collect();
    assert_eq!(verdicts.len(), 3, "three overhead cases:\n{stdout}");
    for (line, case) in verdicts.iter().zip([
        "probe /ping",
        "rule, token and session check (404)",
        "rule, page of 10 todos",
    ]) {
        // "met" or "NOT met": the figures are the bench's business, the test checks
        // that each case is measured and judged.
        assert!(line.contains(case), "{line}");
        assert!(line.contains('%') && line.ends_with("met"), "{line}");
    }
    assert!(
        stdout.contains("the Lambda model costs"),
        "container cost:\n{stdout}"
    );
    assert!(
        stdout.contains("served all 100 in") && stdout.contains("with 10 instances"),
        "scale-out:\n{stdout}"
    );
    assert!(
        stdout.contains("page 1 at 100 todos vs 10:")
            && stdout.contains("most items read by an unfiltered page"),
        "growth curve:\n{stdout}"
    );
    // Write costs: a row per route, with and without an Idempotency-Key, and the two
    // reads; each request reached the datastore at least once.
    let mut rows = vec![
        "list, page of 10 (reference)".to_owned(),
        "get one (reference)".to_owned(),
    ];
    for route in [
        "create",
        "update, same status",
        "update, status change",
        "delete one",
        "delete 10 (one request)",
    ] {
        rows.push(route.to_owned());
        rows.push(format!("{route}, Idempotency-Key"));
    }
    for row in &rows {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("| {row} |")))
            .unwrap_or_else(|| panic!("no write-cost row {row}:\n{stdout}"));
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // "", request, round trips, operations, p50, p90, "".
        assert_eq!(cells.len(), 7, "{line}");
        let trips: u64 = cells[2]
            .split(['-', ' '])
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("round trips in {line}"));
        assert!(trips >= 1 && cells[3] != "none", "{line}");
        for ms in &cells[4..6] {
            assert!(ms.parse::<f64>().is_ok_and(|v| v > 0.0), "{line}");
        }
    }
    let svg = std::fs::read_to_string(plots.join("list-growth.svg")).expect("the growth plot");
    assert!(
        svg.starts_with("<svg") && svg.contains("late page"),
        "{svg:.200}"
    );
    assert!(
        stdout.contains("the key adds") && stdout.contains("first GetSecretValue"),
        "signing key:\n{stdout}"
    );
    assert!(
        stdout
            .contains("| figure | ours | node, on-demand | node, 10 per instance | cargo lambda |"),
        "the peers table for all four systems (run `make peers` first):\n{stdout}"
    );
    for row in [
        "init duration, user",
        "first request, cold instance, rule",
        "idle RSS, rule",
        "RSS after 1,000 requests, user",
        "rule, page of 10 todos: p99, 10 clients",
        "rule, token and session check (404): req/s, 50 clients",
        "package size, both functions",
    ] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("| {row} |")))
            .unwrap_or_else(|| panic!("no row {row}:\n{stdout}"));
        // ours, node in both modes, cargo lambda and the three ratios.
        assert_eq!(line.matches('|').count(), 9, "{line}");
    }
    assert!(
        !stdout.contains("requests failed or got another status"),
        "every peer answered every request:\n{stdout}"
    );
    let targets = stdout
        .lines()
        .filter(|l| l.contains("(at least ×") && l.ends_with("met"))
        .count();
    assert_eq!(
        targets, 12,
        "six targets judged against each Node.js mode:\n{stdout}"
    );
    assert!(
        stdout.contains("against node, on-demand (headline):"),
        "the on-demand comparison is the headline:\n{stdout}"
    );
    // Cost per million requests: a row per route for ours and the twin, priced.
    for route in [
        "register",
        "log in",
        "current user",
        "list, page of 10",
        "get one",
        "create",
        "update (desc)",
        "delete one",
        "delete 10 (one request)",
    ] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("| {route} |")) && l.contains('$'))
            .unwrap_or_else(|| panic!("no cost row {route}:\n{stdout}"));
        // Five prices per system, and the ratio.
        assert_eq!(line.matches('$').count(), 10, "{line}");
    }
    assert!(
        stdout.contains("target: ours costs no more than the Node.js twin on every route"),
        "the cost verdict:\n{stdout}"
    );
    let chart = std::fs::read_to_string(plots.join("peers.svg")).expect("the peers chart");
    assert!(
        chart.starts_with("<svg") && chart.contains("ours vs node"),
        "{chart:.200}"
    );
    // FaaS vs container: the container start is measured where the images exist
    // (`make image`) and says how to get them where they do not.
    assert!(
        stdout.contains("podman container")
            || stdout.contains("make image")
            || stdout.contains("container start skipped"),
        "container start:\n{stdout}"
    );
    for policy in ["concurrency", "watermark"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.trim_start().starts_with(policy) && l.split_whitespace().count() == 8),
            "step load, {policy} row:\n{stdout}"
        );
    }
    let svg =
        std::fs::read_to_string(plots.join("faas-vs-container.svg")).expect("the step-load plot");
    assert!(
        svg.starts_with("<svg") && svg.contains("watermark policy"),
        "{svg:.200}"
    );
    // Before and after: today's functions beside a baseline's, judged.
    let baseline: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("== baseline:"))
        .collect();
    assert!(
        baseline.contains(&"| figure | ours | baseline | ours vs baseline |"),
        "the baseline table:\n{stdout}"
    );
    let judged = |needle: &str| {
        baseline
            .iter()
            .filter(|l| l.contains(needle) && l.contains("met"))
            .count()
    };
    assert_eq!(
        judged("(at most 8 ms)"),
        2,
        "init judged per function:\n{stdout}"
    );
    assert_eq!(
        judged("within 3 %"),
        3,
        "CPU judged for the current user and both rule requests:\n{stdout}"
    );
}

/// The floor alone (`--only floor`), briefly: every part is timed, and both floors are
/// printed beside their targets and the instance's CPU, each with a verdict.
#[test]
fn a_short_floor_run_prints_every_part_and_both_floors_against_the_targets() {
    let (mut command, _) = bench_command();
    let stdout = printed(command.args(["--only", "floor", "--runs", "1", "--seconds", "0.6"]));
    let cells = |row: &str| -> Vec<String> {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("| {row}")))
            .unwrap_or_else(|| panic!("no row {row}:\n{stdout}"));
        line.split('|').map(|c| c.trim().to_owned()).collect()
    };
    for part in [
        "token verification",
        "GetItem of the state item",
        "Query of 12 items",
        "event in, the 404",
        "answer out, the 404",
        "event in, the page",
        "answer out, the page",
    ] {
        // "", part, µs, "".
        let row = cells(part);
        assert_eq!(row.len(), 4, "{row:?}");
        assert!(row[2].parse::<f64>().is_ok_and(|v| v > 0.0), "{row:?}");
    }
    // The Runtime API exchange is a difference of two measurements: a number.
    let runtime = cells("Runtime API exchange");
    assert!(
        runtime[2].parse::<f64>().is_ok_and(f64::is_finite),
        "{runtime:?}"
    );
    for (request, target) in [("token-checked 404", "200"), ("page of 10", "350")] {
        // "", request, floor, target, instance, "".
        let row = cells(&format!("floor of the {request}"));
        assert_eq!(row.len(), 6, "{row:?}");
        assert!(row[2].parse::<f64>().is_ok_and(|v| v > 0.0), "{row:?}");
        assert_eq!(row[3], target, "{row:?}");
        assert!(row[4].parse::<f64>().is_ok_and(|v| v > 0.0), "{row:?}");
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&format!("  {request}: the floor"))),
            "no verdict for {request}:\n{stdout}"
        );
    }
}
