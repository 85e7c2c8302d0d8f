#!/usr/bin/env bash
# Render an SVG (a run's timeline, the bench's plot) to PNG with headless Chromium, at the SVG's own
# size, for the README. usage: scripts/svg-to-png.sh in.svg out.png
set -euo pipefail
in=$1; out=$2
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "svg-to-png: headless Chromium is missing: install it with 'apt-get install -y --no-install-recommends chromium'" >&2; exit 1; }
w=$(grep -o '<svg[^>]*' "$in" | head -1 | sed -n 's/.* width="\([0-9]*\)".*/\1/p')
h=$(grep -o '<svg[^>]*' "$in" | head -1 | sed -n 's/.* height="\([0-9]*\)".*/\1/p')
[ -n "$w" ] && [ -n "$h" ] || { echo "svg-to-png: $in has no width and height on its <svg> element" >&2; exit 1; }
profile=$(mktemp -d); trap 'rm -rf "$profile"' EXIT
# --no-sandbox: this runs as root on a build machine, on a file we wrote ourselves
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
  --window-size="$w,$h" --screenshot="$(realpath -m "$out")" "file://$(realpath "$in")" >/dev/null 2>&1
[ -s "$out" ] || { echo "svg-to-png: Chromium wrote no $out" >&2; exit 1; }
