#!/usr/bin/env bash
# Builds the container image of each function (Containerfile, FROM scratch) with podman.
#
#   bash containers/build-images.sh [--profile release|dev] [--tag TAG] [--arch x86-64|arm64]
#
# 1. podman and runc from Debian when missing (containers/ensure-podman.sh);
# 2. static binaries: `cargo lambda build --target <arch>-unknown-linux-musl` (the zig
#    toolchain `make build` already installs into .venv compiles aws-lc's C for musl);
# 3. the build context under target/image/<arch>/context: the binaries, Debian's CA
#    bundle, an /etc/passwd and /etc/group naming the non-root user 65532;
# 4. `podman build` per function: localhost/todo-service-<function>:<tag>;
# 5. the sizes of binaries and images.
#
# --profile dev builds unoptimised binaries (what the tests use: a quarter of the
# compile time); --arch arm64 builds images for Lambda on Graviton (the template's
# architecture; FROM scratch needs no emulator to build them, only to run them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

profile=release
tag=latest
arch=x86-64
while (($#)); do
  case "$1" in
    --profile) profile="$2"; shift 2 ;;
    --tag) tag="$2"; shift 2 ;;
    --arch) arch="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$arch" in
  x86-64) triple=x86_64-unknown-linux-musl; platform=linux/amd64 ;;
  arm64) triple=aarch64-unknown-linux-musl; platform=linux/arm64 ;;
  *) echo "--arch is x86-64 or arm64, not $arch" >&2; exit 2 ;;
esac
case "$profile" in
  release) release_flag=(--release) ;;
  dev) release_flag=() ;;
  *) echo "--profile is release or dev, not $profile" >&2; exit 2 ;;
esac
functions=(user rule)
target="${CARGO_TARGET_DIR:-target}"
work="$target/image/$arch"
export CONTAINERS_CONF="$PWD/containers/containers.conf"

bash containers/ensure-podman.sh
rustup target list --installed | grep -qx "$triple" || rustup target add "$triple"
make --no-print-directory -s .venv/.lambda-tools-stamp

echo "+ cargo lambda build ${release_flag[*]} --target $triple ${functions[*]/#/--bin }"
PATH="$PWD/.venv/bin:$PATH" cargo lambda build "${release_flag[@]}" --target "$triple" \
  --lambda-dir "$work/lambda" ${functions[@]/#/--bin }

context="$work/context"
rm -rf "$context"
mkdir -p "$context/etc/ssl/certs"
install -m 0444 /etc/ssl/certs/ca-certificates.crt "$context/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nbootstrap:x:65532:65532:bootstrap:/nonexistent:/sbin/nologin\n' >"$context/etc/passwd"
printf 'root:x:0:\nbootstrap:x:65532:\n' >"$context/etc/group"
chmod 0444 "$context/etc/passwd" "$context/etc/group"
for function in "${functions[@]}"; do
  install -D -m 0555 "$work/lambda/$function/bootstrap" "$context/$function/bootstrap"
done

for function in "${functions[@]}"; do
  image="localhost/todo-service-$function:$tag"
  previous=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  echo "+ podman build --platform $platform --build-arg FUNCTION=$function -t $image"
  podman build --quiet --platform "$platform" --build-arg "FUNCTION=$function" \
    -f Containerfile -t "$image" "$context" >/dev/null
  # The image this tag named before is left untagged: remove it unless a container uses it.
  if [[ -n "$previous" && "$previous" != "$(podman image inspect --format '{{.Id}}' "$image")" ]]; then
    podman rmi "$previous" >/dev/null 2>&1 || true
  fi
done

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
printf '%-40s %12s %12s\n' image binary image
for function in "${functions[@]}"; do
  image="localhost/todo-service-$function:$tag"
  binary=$(stat -c %s "$context/$function/bootstrap")
  size=$(podman image inspect --format '{{.Size}}' "$image")
  printf '%-40s %12s %12s\n' "$image" "$(mib "$binary")" "$(mib "$size")"
done
