#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver for the browser tests, once. Idempotent: does nothing when
# /usr/bin/chromium is already there. Playwright never downloads a browser of its own in this project.
# Waits for the dpkg lock: another install (nginx for the benchmark) may run at the same time.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: /usr/bin/chromium is missing; run as root (or: sudo apt-get install chromium chromium-driver)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 update -qq
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
/usr/bin/chromium --version
