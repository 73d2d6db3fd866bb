#!/usr/bin/env bash
# Cold starts of the rule function, builds taking turns: the medians of each build's
# init duration.
#
#   scripts/cold-invokes.sh ROUNDS DIR...
#
# Each DIR holds a `rule` and a `user` binary (release builds; bench/build-baseline.sh
# REV prints such a folder for an earlier commit). Every round invokes the rule function
# once per DIR with `local-platform invoke --event events/rule-get.json` on a fresh data
# folder, so every invocation is a cold start, and reads two figures from the rule
# instance's log: the platform's `INIT_REPORT` (from the spawn to the first `next`
# call) and the function's own `InitDuration` metric (its initializer alone; builds
# from before the metric existed print `-`). Run it from the repository root after
# `cargo build --release -p todo-local -p todo-local-datastore` and `make
# .venv/.secrets-emulator-stamp` (what `make dev` needs too).
set -euo pipefail

rounds=${1:?usage: scripts/cold-invokes.sh ROUNDS DIR...}
shift
[ $# -gt 0 ] || { echo "usage: scripts/cold-invokes.sh ROUNDS DIR..." >&2; exit 2; }
platform=${LOCAL_PLATFORM:-target/release/local-platform}
results=$(mktemp)
trap 'rm -f "$results"' EXIT

for _ in $(seq "$rounds"); do
  for dir in "$@"; do
    data=$(mktemp -d)
    log=$("$platform" invoke --function rule --event events/rule-get.json \
      --bin-dir "$dir" --data-dir "$data" 2>&1) || true
    rm -rf "$data"
    report=$(sed -nE 's/^\[rule#1\] INIT_REPORT Init Duration: ([0-9.]+) ms.*/\1/p' <<<"$log")
    initializer=$(sed -nE 's/^\[rule#1\].*"InitDuration":\[([0-9.]+)\].*/\1/p' <<<"$log")
    [ -n "$report" ] || { echo "cold-invokes: no INIT_REPORT from $dir" >&2; exit 1; }
    echo "$dir ${report} ${initializer:--}" >>"$results"
  done
done

python3 - "$results" "$@" <<'PY'
import statistics, sys

rows = [line.split() for line in open(sys.argv[1])]
print(f"{'build':40} {'INIT_REPORT median (q1, q3)':>30} {'initializer median':>20}")
for build in sys.argv[2:]:
    report = [float(r[1]) for r in rows if r[0] == build]
    inner = [float(r[2]) for r in rows if r[0] == build and r[2] != "-"]
    q1, _, q3 = statistics.quantiles(report) if len(report) > 1 else (report[0], 0, report[0])
    inner_text = f"{statistics.median(inner):.2f} ms" if inner else "-"
    print(f"{build:40} {statistics.median(report):>10.2f} ms ({q1:.2f}, {q3:.2f}) {inner_text:>20}")
PY
