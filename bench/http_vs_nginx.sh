#!/usr/bin/env bash
# Throughput and latency of POST /v1/stories/{id}/ask with "attention" all, top and none,
# against nginx serving the "all" answer as a static file, under wrk with 16 keep-alive
# connections (wrk -t2 -c16): what the attention modes save, and how far the full answer is
# from the cost of just sending its bytes. Same model and story as bench/http_ask.sh (bAbI
# task 1, 50 facts of the test file). wrk, memnet and nginx share this machine's cores.
#   bench/http_vs_nginx.sh [BABI_EN_DIR]     (default ../shared/.../en, else data/demo)
# Env: DURATION (seconds per wrk run, default 10), RUNS (rounds, default 3; each round runs
#      every target once, in turn, and the median run per target is reported), THREADS
#      (memnet's threads and nginx's workers, default nproc), OUT (bench/out), BEFORE (a
#      memnet binary of an earlier build: it gets its own file, made the same way, and is
#      asked in each round too, without the "attention" field, which it may not know),
#      RECHECK_US (also start a second server on the same file with `--recheck-us N`, asked
#      with "all" and "none" in each round as targets all-recheck and none-recheck).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/datasets/babi/tasks_1-20_v1-2/en}"
[[ -d "$data" ]] || data="data/demo"
duration="${DURATION:-10}"
runs="${RUNS:-3}"
threads="${THREADS:-$(nproc)}"
out="${OUT:-bench/out}"
scripts/setup.sh --bench
scripts/build.sh build > /dev/null
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
[[ -x "$nginx_bin" ]] || { echo "bench: no nginx (scripts/setup.sh installs it)" >&2; exit 1; }
mkdir -p "$out"
out="$(cd "$out" && pwd)"  # nginx's config wants absolute paths
db="$out/http_vs_nginx.db"
rm -f "$db" "$db-wal" "$db-shm"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "data: $data (task 1); memnet threads and nginx workers: $threads; wrk -t2 -c16 ${duration}s, $runs rounds, median run shown"

# (a) The model and the story of bench/http_ask.sh.
./build/memnet train --data "$data" --task 1 --model "$db" --pe reference --quiet \
  > "$out/http_vs_nginx_train.log"
test_file=$(ls "$data"/qa1_*_test.txt | head -1)
awk -F'\t' 'NF == 1 && n < 50 { sub(/^[0-9]+ /, ""); print; n++ }' "$test_file" \
  > "$out/http_vs_nginx_story.txt"
story=$(./build/memnet story create --db "$db" --name "bench: 50 facts" 2> /dev/null)
./build/memnet story add --db "$db" --story-id "$story" --file "$out/http_vs_nginx_story.txt" \
  > /dev/null 2>&1

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2> /dev/null || true; done
}
trap cleanup EXIT

# (b) memnet, and the full answer saved as the static file.
log="$out/http_vs_nginx_serve.log"
: > "$log"  # empty now: a previous run's line must not be read before the server writes
./build/memnet serve --db "$db" --port 0 --threads "$threads" 2> "$log" &
pids+=($!)
for _ in $(seq 100); do grep -q 'http://' "$log" && break; sleep 0.1; done
port=$(sed -n 's|.*http://[^:]*:\([0-9]*\) .*|\1|p' "$log")
[[ -n "$port" ]] || { echo "bench: the server did not start:" >&2; cat "$log" >&2; exit 1; }
ask() {
  curl -sf -X POST -H 'Content-Type: application/json' -d "$1" \
    "http://127.0.0.1:$port/v1/stories/$story/ask"
}
# (b'') With RECHECK_US: the same file, served again with the version read trusted for N us.
if [[ -n "${RECHECK_US:-}" ]]; then
  recheck_log="$out/http_vs_nginx_recheck_serve.log"
  : > "$recheck_log"
  ./build/memnet serve --db "$db" --port 0 --threads "$threads" --recheck-us "$RECHECK_US" \
    2> "$recheck_log" &
  pids+=($!)
  for _ in $(seq 100); do grep -q 'http://' "$recheck_log" && break; sleep 0.1; done
  recheck_port=$(sed -n 's|.*http://[^:]*:\([0-9]*\) .*|\1|p' "$recheck_log")
  [[ -n "$recheck_port" ]] || { echo "bench: the --recheck-us server did not start:" >&2; cat "$recheck_log" >&2; exit 1; }
  echo "recheck: a second server with --recheck-us $RECHECK_US"
fi
# (b') With BEFORE: the earlier build, with its own file (an older build may not open a
# newer schema), the same model recipe and story.
if [[ -n "${BEFORE:-}" ]]; then
  before_db="$out/http_vs_nginx_before.db"
  rm -f "$before_db" "$before_db-wal" "$before_db-shm"
  "$BEFORE" train --data "$data" --task 1 --model "$before_db" --pe reference --quiet \
    > "$out/http_vs_nginx_before_train.log"
  before_story=$("$BEFORE" story create --db "$before_db" --name "bench: 50 facts" 2> /dev/null)
  "$BEFORE" story add --db "$before_db" --story-id "$before_story" \
    --file "$out/http_vs_nginx_story.txt" > /dev/null 2>&1
  before_log="$out/http_vs_nginx_before_serve.log"
  : > "$before_log"
  "$BEFORE" serve --db "$before_db" --port 0 --threads "$threads" 2> "$before_log" &
  pids+=($!)
  for _ in $(seq 100); do grep -q 'http://' "$before_log" && break; sleep 0.1; done
  before_port=$(sed -n 's|.*http://[^:]*:\([0-9]*\) .*|\1|p' "$before_log")
  [[ -n "$before_port" ]] || { echo "bench: $BEFORE did not start:" >&2; cat "$before_log" >&2; exit 1; }
  echo "before: $BEFORE, $(curl -sf -X POST -H 'Content-Type: application/json' \
    -d '{"question": "Where is Mary?"}' "http://127.0.0.1:$before_port/v1/stories/$before_story/ask" | wc -c) bytes"
fi

static="$out/http_vs_nginx_www"
mkdir -p "$static"
ask '{"question": "Where is Mary?", "attention": "all"}' > "$static/answer.json"
for mode in all top none; do
  printf '%-6s %6d bytes\n' "$mode" \
    "$(ask "{\"question\": \"Where is Mary?\", \"attention\": \"$mode\"}" | wc -c)"
done
echo "answer: $(python3 -c 'import json, sys; print(json.load(sys.stdin)["answer"])' < "$static/answer.json")"

# (c) nginx, unprivileged, in the foreground, with its own config and prefix.
prefix="$out/http_vs_nginx_nginx"
rm -rf "$prefix"
mkdir -p "$prefix/tmp" "$prefix/logs"
nginx_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$prefix/nginx.conf" << EOF
# Written by bench/http_vs_nginx.sh.
daemon off;
master_process on;
worker_processes $threads;
pid $prefix/nginx.pid;
error_log $prefix/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $prefix/tmp/body;
  proxy_temp_path $prefix/tmp/proxy;
  fastcgi_temp_path $prefix/tmp/fastcgi;
  uwsgi_temp_path $prefix/tmp/uwsgi;
  scgi_temp_path $prefix/tmp/scgi;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000000;  # as memnet: never close a keep-alive connection
  open_file_cache max=16;
  default_type application/json;
  server {
    listen 127.0.0.1:$nginx_port;
    root $static;
  }
}
EOF
"$nginx_bin" -t -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log" \
  2> "$prefix/logs/test.log" || {
  cat "$prefix/logs/test.log" >&2
  exit 1
}
"$nginx_bin" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log" &
pids+=($!)
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$nginx_port/answer.json" > /dev/null 2>&1 && break
  sleep 0.1
done
cmp -s <(curl -sf "http://127.0.0.1:$nginx_port/answer.json") "$static/answer.json" || {
  echo "bench: nginx does not serve the answer:" >&2
  cat "$prefix/logs/error.log" >&2
  exit 1
}

# (d) wrk, the targets in turn within each round.
targets=(all top none nginx)
[[ -n "${RECHECK_US:-}" ]] && targets+=(all-recheck none-recheck)
[[ -n "${BEFORE:-}" ]] && targets+=(before)
declare -A results
for _ in $(seq "$runs"); do
  for t in "${targets[@]}"; do
    if [[ "$t" == nginx ]]; then
      line=$(MEMNET_PATH=/answer.json wrk -t2 -c16 -d"${duration}s" -s bench/get.lua \
        "http://127.0.0.1:$nginx_port" | grep '^RESULT')
    elif [[ "$t" == *-recheck ]]; then
      line=$(MEMNET_STORY="$story" MEMNET_ATTENTION="${t%-recheck}" wrk -t2 -c16 -d"${duration}s" \
        -s bench/ask.lua "http://127.0.0.1:$recheck_port" | grep '^RESULT')
    elif [[ "$t" == before ]]; then
      line=$(MEMNET_STORY="$before_story" wrk -t2 -c16 -d"${duration}s" -s bench/ask.lua \
        "http://127.0.0.1:$before_port" | grep '^RESULT')
    else
      line=$(MEMNET_STORY="$story" MEMNET_ATTENTION="$t" wrk -t2 -c16 -d"${duration}s" \
        -s bench/ask.lua "http://127.0.0.1:$port" | grep '^RESULT')
    fi
    results[$t]+="$line"$'\n'
  done
done

# The median run of a target by requests/s: "rps p50_ms p99_ms errors".
median() {
  printf '%s' "${results[$1]}" | awk '/^RESULT/ {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      printf "%.1f %.3f %.3f %d\n", v["requests"] / v["seconds"], v["p50_us"] / 1000, v["p99_us"] / 1000, v["errors"]
    }' | sort -n | awk -v n="$runs" 'NR == int((n + 1) / 2)'
}
echo
printf '%-22s %12s %10s %10s %8s\n' target "requests/s" "p50 ms" "p99 ms" errors
declare -A rps
for t in "${targets[@]}"; do
  read -r r p50 p99 errors <<< "$(median "$t")"
  rps[$t]=$r
  name="memnet attention $t"
  [[ "$t" == nginx ]] && name="nginx static file"
  [[ "$t" == before ]] && name="BEFORE (its default)"
  [[ "$t" == *-recheck ]] && name="memnet ${t%-recheck} recheck"
  printf '%-22s %12.0f %10.3f %10.3f %8d\n' "$name" "$r" "$p50" "$p99" "$errors"
done
echo
awk -v all="${rps[all]}" -v none="${rps[none]}" -v nginx="${rps[nginx]}" \
  -v before="${rps[before]:-0}" -v all_r="${rps[all-recheck]:-0}" \
  -v none_r="${rps[none-recheck]:-0}" 'BEGIN {
  printf "memnet all / nginx:       %.2f\n", all / nginx
  printf "memnet none / memnet all: %.2f\n", none / all
  if (before > 0) {
    printf "memnet none / BEFORE:     %.2f\n", none / before
    printf "memnet all / BEFORE:      %.2f\n", all / before
  }
  if (all_r > 0) {
    printf "all recheck / nginx:      %.2f\n", all_r / nginx
    if (before > 0) printf "none recheck / BEFORE:    %.2f\n", none_r / before
  }
}'
