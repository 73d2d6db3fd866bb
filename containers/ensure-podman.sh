#!/usr/bin/env bash
# Makes sure Debian's podman and runc are installed, and the CA certificates the
# images carry (no container engine download: apt only).
set -euo pipefail
if command -v podman >/dev/null && command -v runc >/dev/null \
  && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  exit 0
fi
echo "Installing Debian's podman, runc and ca-certificates for the container images..."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq podman runc ca-certificates >/dev/null
podman --version
