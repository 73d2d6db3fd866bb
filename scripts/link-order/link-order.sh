#!/usr/bin/env bash
# Regenerates the functions' symbol ordering files, functions/{user,rule}/link-order.<target>.txt
# (see functions/link-order.rs), from a trace of what an instance runs.
#
#   scripts/link-order/link-order.sh
#
# Run from the repository root after `make .venv/.secrets-emulator-stamp`, on
# x86_64-unknown-linux-gnu; it honours CARGO_TARGET_DIR. For each function it relinks the
# release build (built alone, as Lambda gets it) through cc-save.sh to keep the linker's
# inputs, then links them again with every function on a 4 KiB page of its own. The local
# platform runs those binaries with pagetrace.so preloaded, which records each code page as it
# first runs, during init and over the warm requests of link_order.py (every route of both
# functions). The functions on the traced pages, first run first, become the ordering file.
# About ten minutes, mostly the two LTO links. Then `cargo build --release -p user -p rule`
# links with the new files; scripts/resident-pages.sh shows the effect.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
target=${CARGO_TARGET_DIR:-target}
target=$(mkdir -p "$target" && cd "$target" && pwd)
triple=$(rustc -vV | sed -n 's/^host: //p')
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

for function in user rule; do
  file=functions/$function/link-order.$triple.txt
  {
    echo "# The $function binary's symbol ordering file for $triple (lld --symbol-ordering-file,"
    echo "# passed by functions/link-order.rs): the functions an instance ran during init and on warm"
    echo "# requests, first run first. Regenerate with scripts/link-order/link-order.sh after changes."
    python3 "$here/link_order.py" order "$work/$function.map" "$work/$function.pages"
  } >"$file.new"
  mv "$file.new" "$file"
done
# The functions were last linked by cc-save.sh with the old files: link them as usual.
touch functions/user/src/main.rs functions/rule/src/main.rs
cargo build --release -p user -p rule
