#!/usr/bin/env bash
# Accuracy on long stories (issue 9): for bAbI tasks 1, 2, 6 and 11, a model trained with the
# defaults on the 1k train set answers every test question over its own story interleaved with
# distractor facts (bench/long_stories.cpp says how they are drawn) to 1k, 10k and 100k facts,
# with each way of filling the memory, beside the short-story accuracy. Deterministic (seed 1).
#   bench/long_stories.sh [BABI_EN_DIR]   (default ../shared/datasets/babi/tasks_1-20_v1-2/en)
# Env: TASKS (default "1 2 6 11"), LENGTHS (default 1000,10000,100000), QUESTIONS (per task,
#      default 0 = all 1000), OUT (default bench/out).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/datasets/babi/tasks_1-20_v1-2/en}"
[[ -d "$data" ]] || { echo "bench: no bAbI folder at $data" >&2; exit 1; }
tasks="${TASKS:-1 2 6 11}"
lengths="${LENGTHS:-1000,10000,100000}"
questions="${QUESTIONS:-0}"
out="${OUT:-bench/out}"
scripts/build.sh build > /dev/null
mkdir -p "$out"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "data: $data; tasks: $tasks; lengths: $lengths"
for t in $tasks; do
  # A model per task, trained once with the defaults and 10 seeds (kept between runs: delete it to retrain).
  db="$out/long_stories_task$t.db"
  if [[ ! -f "$db" ]]; then
    start=$(date +%s)
    ./build/memnet train --data "$data" --task "$t" --model "$db.part" --repeats 10 --quiet
    mv "$db.part" "$db"
    echo "trained task$t (defaults, --repeats 10) in $(($(date +%s) - start)) s"
  fi
  test_file=$(ls "$data"/qa"$t"_*_test.txt | head -1)
  ./build/memnet_bench_long --model "$db" --name "task$t" --test "$test_file" \
    --lengths "$lengths" --questions "$questions" | tee "$out/long_stories_task$t.txt"
done
