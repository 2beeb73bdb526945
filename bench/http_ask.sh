#!/usr/bin/env bash
# Throughput and latency of POST /v1/stories/{id}/ask under wrk (keep-alive) at 1, 16 and
# 64 connections, against `memnet serve` on this machine, with a model trained on bAbI
# task 1 and a story of 50 facts taken from the task's test file; then the same question
# in process (memnet_bench_ask: inline core::ask, StoryService::ask, Routes::handle) so the
# HTTP overhead is visible. wrk runs on the same machine and shares its cores.
#   bench/http_ask.sh [BABI_EN_DIR]     (default ../shared/.../en, else data/demo)
# Env: DURATION (seconds per wrk run, default 10), RUNS (per connection count, default 3;
#      the median run is reported), THREADS (server threads, default nproc), OUT (bench/out).
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
mkdir -p "$out"
db="$out/http_ask.db"
rm -f "$db" "$db-wal" "$db-shm"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "data: $data (task 1); server threads: $threads; wrk ${duration}s x $runs runs per point, median run shown"
./build/memnet train --data "$data" --task 1 --model "$db" --pe reference --quiet > "$out/http_ask_train.log"
test_file=$(ls "$data"/qa1_*_test.txt | head -1)
# 50 facts: the statements (lines without a tab) of the first test stories, ids dropped.
# One awk, no `| head`: under pipefail a writer killed by SIGPIPE would end the script.
awk -F'\t' 'NF == 1 && n < 50 { sub(/^[0-9]+ /, ""); print; n++ }' "$test_file" \
  > "$out/http_ask_story.txt"
story=$(./build/memnet story create --db "$db" --name "bench: 50 facts" 2> /dev/null)
./build/memnet story add --db "$db" --story-id "$story" --file "$out/http_ask_story.txt" \
  > /dev/null 2>&1

log="$out/http_ask_serve.log"
./build/memnet serve --db "$db" --port 0 --threads "$threads" 2> "$log" &
server=$!
trap 'kill $server 2> /dev/null || true' EXIT
for _ in $(seq 100); do grep -q 'http://' "$log" && break; sleep 0.1; done
port=$(sed -n 's|.*http://[^:]*:\([0-9]*\) .*|\1|p' "$log")
[[ -n "$port" ]] || { echo "bench: the server did not start:" >&2; cat "$log" >&2; exit 1; }
curl -sf -X POST -H 'Content-Type: application/json' -d '{"question": "Where is Mary?"}' \
  "http://127.0.0.1:$port/v1/stories/$story/ask" > "$out/http_ask_answer.json"
echo "answer: $(sed 's/.*"answer":"\([^"]*\)".*/\1/' "$out/http_ask_answer.json" | head -c 40)"

printf '%-12s %12s %10s %10s %8s\n' connections "requests/s" "p50 ms" "p99 ms" errors
for c in 1 16 64; do
  wrk_threads=$((c < 2 ? 1 : 2))
  results=()
  for _ in $(seq "$runs"); do
    line=$(MEMNET_STORY="$story" wrk -t"$wrk_threads" -c"$c" -d"${duration}s" \
      -s bench/ask.lua "http://127.0.0.1:$port" | grep '^RESULT')
    results+=("$line")
  done
  # Median run by requests/s.
  printf '%s\n' "${results[@]}" | awk '{
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      printf "%.1f %.3f %.3f %d\n", v["requests"] / v["seconds"], v["p50_us"] / 1000, v["p99_us"] / 1000, v["errors"]
    }' | sort -n | awk -v c="$c" -v n="$runs" 'NR == int((n + 1) / 2) {
      printf "%-12s %12.0f %10.3f %10.3f %8d\n", c, $1, $2, $3, $4 }'
done
kill -TERM $server
wait $server || true
echo
./build/memnet_bench_ask --model "$db" --sentences 50 --calls 20000
