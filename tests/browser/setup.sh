#!/usr/bin/env bash
# Install what the browser tests need: Debian's Chromium and axe-core (pinned in
# package-lock.json). Never downloads a browser build of its own (no `playwright install`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
  else
    echo "tests/browser/setup.sh: /usr/bin/chromium missing and cannot apt-get install it" >&2
  fi
fi
if [ ! -f "$here/node_modules/axe-core/axe.min.js" ]; then
  if ! command -v npm >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm
  fi
  npm ci --prefix "$here" --no-audit --no-fund
fi
