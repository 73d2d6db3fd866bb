#!/usr/bin/env bash
# bench/build-baseline.sh REV - release binaries of `user` and `rule` as they were at REV,
# for the bench's before/after section (`make bench BASELINE=REV`).
#
# REV is checked out in a worktree under target/baseline/ and built there with its own
# Cargo.lock and target directory, so today's binaries are left alone. Prints the folder
# that holds the two binaries. A second call with the same REV reuses the build.
set -euo pipefail

rev=${1:?usage: bench/build-baseline.sh REV}
root=$(git rev-parse --show-toplevel)
commit=$(git -C "$root" rev-parse --verify --quiet "$rev^{commit}") \
  || { echo "build-baseline: $rev is not a commit of this repository" >&2; exit 2; }
short=${commit:0:12}
base="$root/target/baseline"
src="$base/src-$short"
bins="$base/target/release"

if [ ! -d "$src" ]; then
  git -C "$root" worktree prune
  git -C "$root" worktree add --detach --quiet "$src" "$commit"
fi
# One target directory for every baseline: the crates they share build once.
(cd "$src" && CARGO_TARGET_DIR="$base/target" cargo build --release --quiet -p user -p rule) >&2
mkdir -p "$base/bin-$short"
cp "$bins/user" "$bins/rule" "$base/bin-$short/"
echo "$base/bin-$short"
