#!/usr/bin/env bash
# The browser tests drive Debian's headless Chromium; install it from Debian's packages if absent.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then echo "chromium: $(/usr/bin/chromium --version 2>/dev/null)"; exit 0; fi
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
  echo "chromium: /usr/bin/chromium is missing; install Debian's 'chromium' package" >&2; exit 1
fi
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
echo "chromium: installing Debian's chromium package"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
