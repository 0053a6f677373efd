#!/usr/bin/env bash
# Browser tests drive Debian's Chromium. Install it when it is missing and we can (root + apt-get);
# otherwise say why, and the browser tests skip with that reason.
set -u
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests…"
    if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/tmp/hailong-chromium-install.log 2>&1; then
        echo "chromium installed: $(/usr/bin/chromium --version 2>/dev/null)"
        exit 0
    fi
    echo "Could not install chromium (see /tmp/hailong-chromium-install.log): browser tests will be skipped."
else
    echo "chromium is missing and cannot be installed here (needs root and apt-get): browser tests will be skipped."
fi
exit 0
