#!/usr/bin/env bash
# Soak: mixed traffic against `memnet serve` for DURATION seconds at CONNECTIONS keep-alive
# connections (bench/soak.lua: 90% asks, 9% appends, 1% story create and delete), as
# back-to-back wrk windows of WINDOW seconds. After each window: requests/s, p50, p99 and
# errors of that window, and the server's resident memory (VmRSS). The first window is
# the warm-up. Passes when there are no errors, the resident memory after warm-up stays
# within 10% of its value at the end of warm-up, and p99 is steady (no window after
# warm-up above 3x the median window p99).
#   bench/soak.sh [BABI_EN_DIR]   (default ../shared/.../en, else data/demo)
# Env: DURATION (600), WINDOW (30), CONNECTIONS (64), THREADS (server threads, nproc),
#      OUT (bench/out). Writes OUT/soak.csv and docs/soak.svg (the plot, bench/soak_plot.py).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/datasets/babi/tasks_1-20_v1-2/en}"
[[ -d "$data" ]] || data="data/demo"
duration="${DURATION:-600}"
window="${WINDOW:-30}"
connections="${CONNECTIONS:-64}"
threads="${THREADS:-$(nproc)}"
out="${OUT:-bench/out}"
scripts/setup.sh --bench
scripts/build.sh build > /dev/null
mkdir -p "$out"
db="$out/soak.db"
rm -f "$db" "$db-wal" "$db-shm"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "soak: ${duration}s in ${window}s windows, $connections connections, server threads $threads, data $data (task 1)"
./build/memnet train --data "$data" --task 1 --model "$db" --pe reference --quiet > "$out/soak_train.log"
test_file=$(ls "$data"/qa1_*_test.txt | head -1)
awk -F'\t' 'NF == 1 && n < 50 { sub(/^[0-9]+ /, ""); print; n++ }' "$test_file" > "$out/soak_story.txt"
stories=16
first=""
for i in $(seq "$stories"); do
  id=$(./build/memnet story create --db "$db" --name "soak $i" 2> /dev/null)
  first="${first:-$id}"
  ./build/memnet story add --db "$db" --story-id "$id" --file "$out/soak_story.txt" > /dev/null 2>&1
done

log="$out/soak_serve.log"
# The access log stays on, as in production (text, to a file).
./build/memnet serve --db "$db" --port 0 --threads "$threads" 2> "$log" &
server=$!
trap 'kill $server 2> /dev/null || true' EXIT
for _ in $(seq 100); do grep -q 'http://' "$log" && break; sleep 0.1; done
port=$(sed -n 's|.*http://[^:]*:\([0-9]*\) .*|\1|p' "$log" | head -1)
[[ -n "$port" ]] || { echo "soak: the server did not start:" >&2; cat "$log" >&2; exit 1; }

csv="$out/soak.csv"
echo "t_s,requests_per_s,p50_ms,p99_ms,errors,rss_mb" > "$csv"
printf '%6s %12s %8s %8s %7s %8s\n' "t s" "requests/s" "p50 ms" "p99 ms" errors "RSS MB"
windows=$((duration / window))
start=$(date +%s)
for w in $(seq "$windows"); do
  line=$(MEMNET_FIRST_STORY="$first" MEMNET_STORIES="$stories" wrk -t2 -c"$connections" \
    -d"${window}s" --timeout 5s -s bench/soak.lua "http://127.0.0.1:$port" | grep '^RESULT')
  rss_kb=$(awk '/^VmRSS/ { print $2 }' "/proc/$server/status")
  t=$(( $(date +%s) - start ))
  echo "$line" | awk -v t="$t" -v rss="$rss_kb" '{
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      printf "%d,%.1f,%.3f,%.3f,%d,%.1f\n", t, v["requests"] / v["seconds"], v["p50_us"] / 1000,
             v["p99_us"] / 1000, v["errors"], rss / 1024
    }' >> "$csv"
  tail -1 "$csv" | awk -F, '{ printf "%6d %12.0f %8.2f %8.2f %7d %8.1f\n", $1, $2, $3, $4, $5, $6 }'
done
kill -TERM "$server"
wait "$server" || true
trap - EXIT
echo "file: $(du -m "$db" | cut -f1) MB, $(./build/memnet story list --db "$db" 2> /dev/null | wc -l) stories; access log $(wc -l < "$log") lines"

# The verdict, from the CSV.
awk -F, 'NR == 1 { next }
  { n++; t[n] = $1; p99[n] = $4; err += $5; rss[n] = $6 }
  END {
    warm = rss[1]; max = 0
    for (i = 2; i <= n; i++) if (rss[i] > max) max = rss[i]
    m = 0; for (i = 2; i <= n; i++) s[++m] = p99[i]
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (s[j] < s[i]) { x = s[i]; s[i] = s[j]; s[j] = x }
    median = s[int((m + 1) / 2)]; worst = s[m]
    growth = warm > 0 ? 100 * (max - warm) / warm : 0
    printf "errors %d; RSS after warm-up %.1f MB, at most %.1f MB (%+.1f%%); p99 median %.2f ms, worst window %.2f ms\n",
           err, warm, max, growth, median, worst
    ok = err == 0 && growth <= 10 && worst <= 3 * median
    print ok ? "soak: PASS" : "soak: FAIL"
    exit ok ? 0 : 1
  }' "$csv" && status=0 || status=$?
/usr/bin/python3 bench/soak_plot.py "$csv" docs/soak.svg
echo "plot: docs/soak.svg"
exit "$status"
