#!/usr/bin/env bash
# The user instance's resident memory under parallel logins, on the local platform.
#
#   scripts/login-rss.sh [BIN_DIR] [ROUNDS] [PLATFORM FLAGS...]
#
# Starts the local platform with exactly one user instance (so every login lands in
# it), registers 50 users in parallel, then logs all 50 in at once ROUNDS times (5 by
# default) and prints the instance's RSS (VmRSS) and peak RSS (VmHWM) after each step.
# BIN_DIR (default target/release) holds local-platform, dynamodb-emulator, user and
# rule; build them with `cargo build --release --workspace --bins`, then the functions
# on their own as Lambda gets them (`cargo build --release -p user -p rule`). Run it from the
# repository root after `make .venv/.secrets-emulator-stamp` (what `make dev` needs
# too). Further arguments go to `local-platform dev`, e.g. `--env NAME=VALUE`.
set -euo pipefail

bin_dir=${1:-target/release}
rounds=${2:-5}
shift $(($# < 2 ? $# : 2))
port=${LOGIN_RSS_PORT:-3917}
parallel=50
base=http://127.0.0.1:$port
data=$(mktemp -d)

"$bin_dir/local-platform" dev --port "$port" --data-dir "$data" --bin-dir "$bin_dir" \
  --min-instances 1 --max-instances 1 "$@" >"$data/platform.log" 2>&1 &
platform=$!
trap 'kill "$platform" 2>/dev/null; wait "$platform" 2>/dev/null; rm -rf "$data"' EXIT
until curl -sf -o /dev/null "$base/_local/status.json"; do sleep 0.5; done

# POSTs every user's name and password to path $1 at once; counts the statuses.
post_all() {
  seq "$parallel" | xargs -P "$parallel" -I{} curl -s -o /dev/null -w '%{http_code}\n' \
    -X POST "$base$1" -H 'content-type: application/json' \
    -d '{"userName":"rss{}","password":"rss-password-{}"}' | sort | uniq -c | tr '\n' ' '
}

# The user instance's VmRSS and VmHWM in MiB, and the CPU time it has used.
memory() {
  local pid
  pid=$(curl -sf "$base/_local/status.json" | python3 -c \
    'import json,sys; print(next(i["pid"] for f in json.load(sys.stdin)["functions"] if f["name"] == "user" for i in f["instances"]))')
  awk '/^VmRSS|^VmHWM/ {printf "%s %.1f MiB  ", $1, $2 / 1024}' "/proc/$pid/status"
  awk -v hz="$(getconf CLK_TCK)" '{printf "CPU %.2f s\n", ($14 + $15) / hz}' "/proc/$pid/stat"
}

sleep 1
echo "idle: $(memory)"
echo "register x$parallel: $(post_all /api/register)"
echo "  $(memory)"
for round in $(seq "$rounds"); do
  echo "round $round, login x$parallel: $(post_all /api/login/account)"
  echo "  $(memory)"
done
