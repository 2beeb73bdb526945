#!/usr/bin/env bash
# A million facts in one file (issue 9): 18,000 stories of 50 facts and one of 100,000,
# imported with `memnet import` (statements of the real bAbI task 1 10k train file, cycled),
# then 100,000 more through POST /v1/stories/{id}/facts in batches of 5,000. Measures the
# ingest rates; stored-ask latency in process (memnet_bench_ask --db) and over HTTP (wrk, one
# keep-alive connection) on a 50-fact and on the 100,000-fact story, cold (first ask) and
# warm; the server's peak resident memory and the file's size. A 50-fact story in a small
# file is asked too, to compare warm asks.
#   bench/large_store.sh [BABI_EN_10K_DIR]   (default ../shared/datasets/babi/tasks_1-20_v1-2/en-10k)
# Env: SHORT_STORIES (default 18000), LONG_FACTS (default 100000), DURATION (wrk seconds,
#      default 10), OUT (default bench/out; the file is OUT/large_store.db, about 1 GB).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/datasets/babi/tasks_1-20_v1-2/en-10k}"
source_file="$data/qa1_single-supporting-fact_train.txt"
[[ -f "$source_file" ]] || { echo "bench: no $source_file" >&2; exit 1; }
short_stories="${SHORT_STORIES:-18000}"
long_facts="${LONG_FACTS:-100000}"
duration="${DURATION:-10}"
out="${OUT:-bench/out}"
scripts/setup.sh --bench > /dev/null
scripts/build.sh build > /dev/null
mkdir -p "$out"
db="$out/large_store.db"
small="$out/large_store_small.db"
rm -f "$db" "$db"-wal "$db"-shm "$small" "$small"-wal "$small"-shm

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "source: $source_file (statements cycled); $short_stories stories x 50 facts + 1 x $long_facts"
./build/memnet train --data "${data%-10k}" --task 1 --model "$db" --quiet > /dev/null
cp "$db" "$small"

# bAbI files: statements only (ids renumbered), no questions.
awk -F'\t' -v stories="$short_stories" 'NF == 1 { sub(/^[0-9]+ /, ""); s[n++] = $0 }
  END { k = 0; for (i = 0; i < stories; i++) for (j = 1; j <= 50; j++) print j " " s[k++ % n] }' \
  "$source_file" > "$out/large_short.txt"
awk -F'\t' -v facts="$long_facts" 'NF == 1 { sub(/^[0-9]+ /, ""); s[n++] = $0 }
  END { for (j = 1; j <= facts; j++) print j " " s[(j * 7) % n] }' \
  "$source_file" > "$out/large_long.txt"

seconds() { date +%s.%N; }
t0=$(seconds)
./build/memnet import --db "$db" --babi "$out/large_short.txt" > "$out/large_import_short.txt"
t1=$(seconds)
./build/memnet import --db "$db" --babi "$out/large_long.txt" > "$out/large_import_long.txt"
t2=$(seconds)
imported=$((short_stories * 50 + long_facts))
awk -v a="$t0" -v b="$t1" -v c="$t2" -v s=$((short_stories * 50)) -v l="$long_facts" 'BEGIN {
  printf "memnet import: %d facts in %.1f s (%.0f facts/s); %d short-story facts %.0f/s, the %d-fact story %.0f/s\n",
    s + l, c - a, (s + l) / (c - a), s, s / (b - a), l, l / (c - b) }'
short_id=$(head -1 "$out/large_import_short.txt" | cut -f1)
long_id=$(head -1 "$out/large_import_long.txt" | cut -f1)
small_id=$(./build/memnet import --db "$small" --babi <(head -50 "$out/large_short.txt") | head -1 | cut -f1)

# In process (no server running): cold and warm.
echo "in process (memnet_bench_ask --db):"
for spec in "$small:$small_id:recent:small file, 50 facts" "$db:$short_id:recent:50 facts" \
  "$db:$long_id:recent:$long_facts facts, recent" "$db:$long_id:match:$long_facts facts, match" \
  "$db:$long_id:expand:$long_facts facts, expand"; do
  IFS=: read -r file id mode label <<< "$spec"
  line=$(./build/memnet_bench_ask --db "$file" --story "$id" --select "$mode" --calls 2000 | grep '^RESULT')
  echo "$line" | sed 's/RESULT //' | awk -v l="$label" '{
    for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "  %-28s cold %9.1f us  warm p50 %8.1f us  p99 %8.1f us\n", l, v["cold_us"], v["p50_us"], v["p99_us"] }'
done

log="$out/large_serve.log"
./build/memnet serve --db "$db" --port 0 --log-format off 2> "$log" &
server=$!
trap 'kill $server 2> /dev/null || true' EXIT
for _ in $(seq 300); do grep -q 'http://' "$log" && break; sleep 0.1; done
port=$(sed -n 's|.*http://[^:]*:\([0-9]*\) .*|\1|p' "$log")
[[ -n "$port" ]] || { echo "bench: the server did not start:" >&2; cat "$log" >&2; exit 1; }
base="http://127.0.0.1:$port"

# POST .../facts: 20 batches of 5,000 facts into a new story.
posted=$(curl -sf -H 'Content-Type: application/json' -d '{"name": "posted"}' "$base/v1/stories" |
  sed 's/.*"id":\([0-9]*\).*/\1/')
for b in $(seq 0 19); do
  awk -v b="$b" 'NR > b * 5000 && NR <= (b + 1) * 5000 { sub(/^[0-9]+ /, "");
      printf "%s\"%s\"", (NR == b * 5000 + 1 ? "{\"facts\": [" : ","), $0 } END { print "]}" }' \
    "$out/large_long.txt" > "$out/large_batch_$b.json"
done
t0=$(seconds)
for b in $(seq 0 19); do
  curl -sf -o /dev/null -H 'Content-Type: application/json' --data-binary "@$out/large_batch_$b.json" \
    "$base/v1/stories/$posted/facts"
done
t1=$(seconds)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "POST .../facts: 100000 facts in 20 batches of 5000 in %.1f s (%.0f facts/s)\n", b - a, 100000 / (b - a) }'

echo "over HTTP (wrk -t1 -c1, ${duration}s; cold = the first ask after the server started, curl):"
for spec in "$short_id:recent:50 facts" "$long_id:recent:$long_facts facts, recent" \
  "$long_id:match:$long_facts facts, match" "$long_id:expand:$long_facts facts, expand"; do
  IFS=: read -r id mode label <<< "$spec"
  body="{\"question\": \"Where is Mary?\", \"select\": \"$mode\"}"
  cold=$(curl -s -o /dev/null -w '%{time_total}' -H 'Content-Type: application/json' -d "$body" \
    "$base/v1/stories/$id/ask")
  line=$(MEMNET_STORY="$id" MEMNET_SELECT="$mode" wrk -t1 -c1 -d"${duration}s" -s bench/ask.lua "$base" |
    grep '^RESULT')
  echo "$line" | sed 's/RESULT //' | awk -v l="$label" -v cold="$cold" '{
    for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "  %-28s cold %7.2f ms  warm p50 %7.3f ms  p99 %7.3f ms  (%d requests, %d errors)\n", l, cold * 1000, v["p50_us"] / 1000, v["p99_us"] / 1000, v["requests"], v["errors"] }'
done
facts=$(curl -sf "$base/metrics" | awk '/^memnet_facts / { print $2 }')
rss=$(awk '/VmHWM/ { print $2 }' "/proc/$server/status")
kill -TERM $server
wait $server || true
trap - EXIT
echo "server peak resident memory (VmHWM): $((rss / 1024)) MB"
echo "file: $(du -cb "$db"* | tail -1 | cut -f1 | awk '{ printf "%.0f MB", $1 / 1e6 }') for $facts facts"
