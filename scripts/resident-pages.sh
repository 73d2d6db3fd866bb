#!/usr/bin/env bash
# What an idle instance's resident memory is made of, per function, on the local platform.
#
#   scripts/resident-pages.sh [BIN_DIR]
#
# Starts the local platform with one instance of each function, waits until they are
# initialized and idle, and sums each instance's resident pages (Rss in
# /proc/<pid>/smaps) by what they hold: the binary's code, its read-only data, its
# relocated and writable data, the shared libraries, the allocator's heap and the other
# anonymous memory, the thread stacks. BIN_DIR (default target/release) holds
# local-platform, dynamodb-emulator, user and rule; build them with `cargo build
# --release --workspace --bins` and then the functions on their own, as Lambda gets
# them (`cargo build --release -p user -p rule`), and run it from the repository root after
# `make .venv/.secrets-emulator-stamp` (what `make dev` needs too).
set -euo pipefail

bin_dir=${1:-target/release}
port=${RESIDENT_PAGES_PORT:-3918}
base=http://127.0.0.1:$port
data=$(mktemp -d)

"$bin_dir/local-platform" dev --port "$port" --data-dir "$data" --bin-dir "$bin_dir" \
  --min-instances 1 --max-instances 1 >"$data/platform.log" 2>&1 &
platform=$!
trap 'kill "$platform" 2>/dev/null; wait "$platform" 2>/dev/null; rm -rf "$data"' EXIT
until curl -sf -o /dev/null "$base/_local/status.json"; do sleep 0.5; done
sleep 2

curl -sf "$base/_local/status.json" | python3 -c '
import json, os, re, sys

def kind(name, perms, binary):
    if name == binary:
        if "x" in perms:
            return "binary: code"
        return "binary: read-only data" if "w" not in perms else "binary: writable data"
    if name.startswith("/"):
        return "shared libraries"
    if name == "[stack]" or name.startswith("[stack"):
        return "main thread stack"
    return "anonymous: the allocator, thread stacks" if name in ("", "[heap]") else name

for function in json.load(sys.stdin)["functions"]:
    for instance in function["instances"]:
        pid = instance["pid"]
        binary = os.path.realpath(f"/proc/{pid}/exe")
        totals, current = {}, None
        for line in open(f"/proc/{pid}/smaps"):
            head = re.match(r"^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$", line)
            if head:
                current = kind(head.group(2).strip(), head.group(1), binary)
            elif line.startswith("Rss:"):
                totals[current] = totals.get(current, 0) + int(line.split()[1])
        name = function["name"]
        print(f"{name} (pid {pid}): {sum(totals.values()) / 1024:.1f} MiB resident")
        for what, kib in sorted(totals.items(), key=lambda kv: -kv[1]):
            if kib:
                print(f"  {kib / 1024:6.2f} MiB  {what}")
'
