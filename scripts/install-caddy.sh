#!/usr/bin/env bash
# Installs Caddy from Debian, once: the reverse proxy of docs/deploy.md, run by test/cli/deploy-configs.test.ts.
# Idempotent: does nothing when it is already installed.
set -euo pipefail
if dpkg -s caddy >/dev/null 2>&1; then
  exit 0
fi
SUDO=''
if [ "$(id -u)" != 0 ]; then SUDO='sudo'; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq caddy >/dev/null
# The Debian package may start a system Caddy on ports 80/443; the tests run their own, so stop that one.
$SUDO service caddy stop >/dev/null 2>&1 || true
