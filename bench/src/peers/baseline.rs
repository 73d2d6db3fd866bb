//! Before and after: today's `user` and `rule` beside the same functions built at an
//! earlier commit (`make bench BASELINE=<rev>`, which `bench/build-baseline.sh` builds
//! in a worktree of its own), on the same platform, table and load, the two taking
//! turns in every round.
//!
//! It answers whether a change left the cold start and the warm path where they were:
//! init duration and idle memory per function ([`super::cold`]), and the instance's
//! CPU per warm request at 10 clients for the current user and both `rule` requests
//! ([`super::warm`]). The verdicts are the targets such changes are held to: init at
//! most 8 ms for both functions, and CPU per warm request within 5 % and within 3 %
//! of the baseline (a change of the HTTP edge, and one that only adds metrics).

use std::path::Path;

use local::commands::CommandError;
use local::runtime::pool::PoolSettings;

use super::report::{self, Row};
use super::systems::{Kind, Setup};
use super::{cold, warm};
use crate::rule_user::{rule_requests, signed_in_user_with_todos, user_and_rule};
use crate::{Call, Gateway, OnTable};

/// The most an initializer may take, ms.
const INIT_TARGET_MS: f64 = 8.0;
/// How much more CPU per warm request than the baseline each verdict allows.
const CPU_MARGINS: [f64; 2] = [0.05, 0.03];

/// Measures today's functions against those in `baseline` and prints the table and
/// the verdicts.
pub(crate) async fn measure(on: &OnTable<'_>, baseline: &Path) -> Result<(), CommandError> {
    println!(
        "\n== baseline: today's functions against those in {} ==",
        baseline.display()
    );
    let Some((user, rule)) = user_and_rule(on.functions, "baseline") else {
        return Ok(());
    };
    if let Some(missing) = [&user, &rule]
        .iter()
        .map(|f| baseline.join(&f.binary))
        .find(|path| !path.is_file())
    {
        println!(
            "  (skipped: {} is missing; bench/build-baseline.sh <rev> builds it)",
            missing.display()
        );
        return Ok(());
    }
    let functions = vec![user.clone(), rule.clone()];
    let setup = |kind, bin_dir: &Path| Setup {
        kind,
        functions: functions.clone(),
        bin_dir: bin_dir.to_owned(),
        cargo_lambda: Default::default(),
    };
    let setups = [
        setup(Kind::Ours, on.bin_dir),
        setup(Kind::Baseline, baseline),
    ];
    let names: Vec<&str> = setups.iter().map(|s| s.kind.label()).collect();
    println!(
        "  {} rounds, {:.1} s per load run, the two alternating; one instance per \
         function at the template's concurrency",
        on.options.runs,
        on.options.duration.as_secs_f64()
    );

    let gateway = Gateway::start(functions.clone(), on.bin_dir, PoolSettings::default()).await?;
    let bearer = signed_in_user_with_todos(on.client, &gateway.base).await;
    gateway.stop().await;
    let bearer = bearer?;
    let current_user = Call::get("/api/currentUser").header("authorization", &bearer);
    let cold_calls = [
        ("user", current_user.clone()),
        (
            "rule",
            Call::get("/api/rule?current=1&pageSize=10").header("authorization", &bearer),
        ),
    ];
    let cold = cold::measure(on.client, &setups, &cold_calls, on.options.runs).await?;

    let mut warm_calls = vec![("user", "user, current user", current_user)];
    warm_calls.extend(
        rule_requests(&bearer)
            .into_iter()
            .map(|(label, call)| ("rule", label, call)),
    );
    let mut running = Vec::new();
    for setup in &setups {
        running.push(setup.start().await?);
    }
    let warm = async {
        let mut out = Vec::new();
        for (function, label, call) in &warm_calls {
            for system in &running {
                call.expect(on.client, &system.base(&call.path)).await?;
            }
            let figures = warm::measure(
                on.client,
                &running,
                function,
                label,
                call,
                on.options.runs,
                on.options.duration,
            )
            .await;
            out.push((*label, figures));
        }
        Ok::<_, CommandError>(out)
    }
    .await;
    for system in running {
        system.stop().await;
    }
    let warm = warm?;

    let rows = rows(&cold, &warm);
    println!();
    report::print(&names, &rows);
    verdicts(&rows);
    Ok(())
}

/// The table: init and idle memory per function, CPU per warm request per call.
fn rows(cold: &[Vec<cold::Cold>], warm: &[(&str, Vec<warm::Warm>)]) -> Vec<Row> {
    let mut rows = Vec::new();
    for (f, function) in ["user", "rule"].iter().enumerate() {
        rows.push(Row {
            label: format!("init duration, {function}"),
            unit: "ms",
            decimals: 1,
            values: cold.iter().map(|c| c[f].init_ms).collect(),
            lower_is_better: true,
        });
        rows.push(Row {
            label: format!("idle RSS, {function}"),
            unit: "MiB",
            decimals: 1,
            values: cold.iter().map(|c| Some(c[f].idle_mib)).collect(),
            lower_is_better: true,
        });
    }
    for (label, figures) in warm {
        rows.push(Row {
            label: format!("{label}: instance CPU per request, 10 clients"),
            unit: "µs",
            decimals: 0,
            values: figures.iter().map(|w| Some(w.cpu_us_10)).collect(),
            lower_is_better: true,
        });
    }
    rows
}

/// Prints init against its ceiling and each CPU row against the baseline's margins.
fn verdicts(rows: &[Row]) {
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    println!("  targets:");
    for row in rows.iter().filter(|r| r.label.starts_with("init duration")) {
        match row.values.first().copied().flatten() {
            Some(ms) => println!(
                "    {}: {ms:.1} ms (at most {INIT_TARGET_MS} ms): {}",
                row.label,
                met(ms <= INIT_TARGET_MS)
            ),
            None => println!("    {}: not measured", row.label),
        }
    }
    for row in rows.iter().filter(|r| r.label.contains("CPU per request")) {
        let Some(ratio) = row.advantage(1) else {
            println!("    {}: not measured", row.label);
            continue;
        };
        // Today's CPU over the baseline's, as a change: +2.0 % is 2 % more CPU.
        let change = (1.0 / ratio - 1.0) * 100.0;
        let judged: Vec<String> = CPU_MARGINS
            .iter()
            .map(|margin| {
                format!(
                    "within {:.0} %: {}",
                    margin * 100.0,
                    met(change <= margin * 100.0)
                )
            })
            .collect();
        println!("    {}: {change:+.1} % ({})", row.label, judged.join(", "));
    }
}
