#!/usr/bin/env bash
# Makes docs/screenshot.png, the web page of `memnet serve` as the README shows it: trains
# the demo model (as scripts/demo.sh does) into a temporary file, imports the bundled bAbI
# task 1 test stories, serves the file on a free port and has headless chromium open the
# page on the first story with its last question asked (the page's #story=ID&q=... state),
# so the picture shows a story, an answer, the gold mark and the attention heat map.
#   scripts/screenshot.sh [BUILD_DIR]   (default: build; built first)
# The window is 1280 x 1400 CSS pixels: tall enough for the heat map of the first story.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
out=docs/screenshot.png
chromium="${MEMNET_CHROMIUM:-/usr/bin/chromium}"
scripts/setup.sh
scripts/build.sh "$build" > /dev/null
if [[ ! -x "$chromium" ]]; then
  echo "screenshot: $chromium not found (scripts/setup.sh installs chromium)" >&2
  exit 1
fi

tmp=$(mktemp -d)
server=
cleanup() {
  if [[ -n "$server" ]]; then kill "$server" 2> /dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
db="$tmp/memnet.db"
"$build/memnet" train --data data/demo --task 1 --model "$db" --epochs 40 --ls-epochs 10 > /dev/null
test_file=data/demo/qa1_single-supporting-fact_test.txt
story=$("$build/memnet" import --db "$db" --babi "$test_file" 2> /dev/null | awk 'NR == 1 { print $1 }')
# The first story's last question: the last question line before the second story's "1 ".
question=$(awk -F '\t' 'NR > 1 && /^1 / { exit } NF >= 2 { q = $1 } END { sub(/^[0-9]+ /, "", q); print q }' \
  "$test_file")
encoded=$(printf '%s' "$question" | od -An -tx1 -v | tr -d ' \n' | sed 's/\(..\)/%\1/g')

"$build/memnet" serve --db "$db" --port 0 2> "$tmp/serve.log" &
server=$!
for _ in $(seq 100); do grep -q 'http://' "$tmp/serve.log" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$tmp/serve.log")
page="$url/#story=$story&q=$encoded"
echo "screenshot: $page ($question)" >&2

# --virtual-time-budget: chromium runs the page's timers and requests for 5 s of virtual
# time (fast-forwarded), then takes the picture.
"$chromium" --headless=new --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
  --no-default-browser-check --disable-extensions --user-data-dir="$tmp/profile" \
  --window-size=1280,1400 --virtual-time-budget=5000 --screenshot="$out" "$page" \
  > "$tmp/chromium.log" 2>&1 || {
  cat "$tmp/chromium.log" >&2
  exit 1
}
kill -TERM "$server"
wait "$server" || true
server=
echo "screenshot: wrote $out ($(stat -c %s "$out") bytes)" >&2
