#!/usr/bin/env bash
# Loads a search's report.html in headless Chromium and checks the rendered page: exactly one
# "front-point" mark per Pareto trial (as many as best.json has rows) and no script error in
# the browser's log.
#   check_report.sh <mixprec-toy> <search config> <checkpoint folder> <work dir>
set -euo pipefail
exe=$1 config=$2 load=$3 work=$4
out=$work/report_check
rm -rf "$out"
mkdir -p "$out"
"$exe" search --config "$config" --load "$load" --out "$out/search" --quiet > "$out/search.txt"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --enable-logging=stderr --v=0 \
  --dump-dom "file://$(realpath "$out/search/report.html")" > "$out/dom.html" 2> "$out/browser.log" || {
  echo "chromium failed:"; cat "$out/browser.log"; exit 1; }
best=$(grep -c '^        "number":' "$out/search/best.json")
marks=$(grep -o 'class="front-point"' "$out/dom.html" | wc -l)
[ "$best" -ge 1 ] || { echo "best.json has no row"; exit 1; }
[ "$marks" -eq "$best" ] || { echo "the page shows $marks front-point marks, best.json has $best rows"; exit 1; }
if grep -E "Uncaught|SyntaxError|ReferenceError|TypeError" "$out/browser.log"; then
  echo "script errors in the browser log"; exit 1
fi
grep -q '<svg' "$out/dom.html" || { echo "no SVG in the rendered page"; exit 1; }
echo "report OK: $marks front-point marks for $best Pareto trials, no script error"
