#!/usr/bin/env bash
# cc-save.sh - a linker wrapper for scripts/link-order/link-order.sh: keeps the final link's
# inputs (the LTO object and the temporary rlibs, which rustc deletes) and its command line
# in $LINK_ORDER_KEEP, so that link can be rerun by hand with other flags without another
# LTO, then links as cc would. Used as `cargo rustc ... -- -C linker=scripts/link-order/cc-save.sh`.
set -euo pipefail
keep=${LINK_ORDER_KEEP:?LINK_ORDER_KEEP names the folder for the link inputs}
rm -rf "$keep"
mkdir -p "$keep/inputs"
args=()
for a in "$@"; do
  case "$a" in
    *.rcgu.o | */rustc*/*.rlib)
      cp "$a" "$keep/inputs/"
      args+=("$keep/inputs/$(basename "$a")")
      ;;
    *) args+=("$a") ;;
  esac
done
printf '%q ' cc "${args[@]}" >"$keep/link.sh"
exec cc "$@"
