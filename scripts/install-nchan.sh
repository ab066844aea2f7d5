#!/usr/bin/env bash
# Installs nginx and the nchan module from Debian, once: the benchmark's C reference peer (issue H).
# Idempotent: does nothing when both packages are already installed.
set -euo pipefail
if dpkg -s nginx libnginx-mod-nchan >/dev/null 2>&1; then
  exit 0
fi
SUDO=''
if [ "$(id -u)" != 0 ]; then SUDO='sudo'; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq nginx libnginx-mod-nchan >/dev/null
# The Debian package starts a system nginx on port 80; the benchmark runs its own, so stop that one.
$SUDO service nginx stop >/dev/null 2>&1 || true
