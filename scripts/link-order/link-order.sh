#!/usr/bin/env bash
# What the functions' idle memory would be with the code they run placed together: traces
# the code an instance runs, writes a symbol ordering file per function from it and links
# the release builds again with it (lld's --symbol-ordering-file), into
# $CARGO_TARGET_DIR/link-order/ordered, beside the platform and the emulator.
#
#   scripts/link-order/link-order.sh
#   scripts/resident-pages.sh "${CARGO_TARGET_DIR:-target}/link-order/ordered"
#
# Run from the repository root after `make .venv/.secrets-emulator-stamp`, on
# x86_64-unknown-linux-gnu (rustc links with lld there). For each function it links the
# release build (built alone, as Lambda gets it) through cc-save.sh to keep the linker's
# inputs, then links them again with every function on a 4 KiB page of its own. The local
# platform runs those binaries with pagetrace.so preloaded, which records each code page as it
# first runs, during init and over the warm requests of link_order.py (every route of both
# functions). The functions on the traced pages, first run first, become the ordering file,
# and the kept inputs are linked once more with it (no second LTO). About ten minutes, mostly
# the two LTO links. The functions' own build does not use the files: the Lambda build links
# with zig, which refuses --symbol-ordering-file (docs/benchmarks.md).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
target=${CARGO_TARGET_DIR:-target}
target=$(mkdir -p "$target" && cd "$target" && pwd)
work=$target/link-order
port=${LINK_ORDER_PORT:-3919}
rm -rf "$work"
mkdir -p "$work/bin"

cargo build --release --workspace --bins --exclude user --exclude rule
cp "$target/release/local-platform" "$target/release/dynamodb-emulator" "$work/bin/"
cc -O2 -shared -fPIC -o "$work/pagetrace.so" "$here/pagetrace.c"

for function in user rule; do
  # A changed source file makes cargo link again, which cc-save.sh needs to see.
  touch "functions/$function/src/main.rs"
  LINK_ORDER_KEEP="$work/$function" cargo rustc --release -p "$function" --bin "$function" \
    -- -C linker="$here/cc-save.sh"
  python3 "$here/link_order.py" relink "$work/$function" "$work/bin/$function" "$work/$function.map"
done

python3 "$here/link_order.py" trace "$work/bin" "$port" "$work"

mkdir -p "$work/ordered"
cp "$work/bin/local-platform" "$work/bin/dynamodb-emulator" "$work/ordered/"
for function in user rule; do
  python3 "$here/link_order.py" order "$work/$function.map" "$work/$function.pages" \
    >"$work/$function.order"
  python3 "$here/link_order.py" link "$work/$function" "$work/ordered/$function" \
    "$work/$function.order"
done
echo "ordered builds: $work/ordered"
