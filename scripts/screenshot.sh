#!/usr/bin/env bash
# Screenshot a built page with headless Chromium (Debian package `chromium`).
#   scripts/screenshot.sh _build/html/intro.html /tmp/intro.png [height]
set -euo pipefail
html=$(realpath "${1:?usage: scripts/screenshot.sh PAGE.html OUT.png [HEIGHT]}")
out=${2:?usage: scripts/screenshot.sh PAGE.html OUT.png [HEIGHT]}
height=${3:-4000}
profile=$(mktemp -d)
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --hide-scrollbars --window-size=1280,"$height" \
  --virtual-time-budget=8000 --screenshot="$out" "file://$html" 2>/dev/null
rm -rf "$profile"
echo "$out"
