#!/usr/bin/env bash
# The accuracy ablation of docs/benchmarks.md: each named setup trains every task of a bAbI
# folder (one model per task, or --joint) with the same seeds, then is evaluated on the test
# files. Prints one summary line per setup (mean test error, failed tasks, median over seeds
# of the per-run validation error is in the training log) and keeps every eval as JSON.
#   bench/ablation.sh [BABI_DIR] [SETUP...]
# A setup is NAME=FLAGS, e.g. "gated=--gated --pe reference"; with none, the default list.
# Env: REPEATS (10), THREADS (nproc), OUT (bench/out/ablation), JOINT (set: --joint runs).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/datasets/babi/tasks_1-20_v1-2/en}"
shift || true
setups=("$@")
if ((${#setups[@]} == 0)); then
  setups=("paper=--recipe paper"
          "default="
          "reference=--recipe paper --pe reference"
          "gated=--recipe paper --pe reference --gated"
          "scaled=--recipe paper --pe reference --attention scaled"
          "cosine=--recipe paper --pe reference --attention cosine"
          "distance=--recipe paper --pe reference --attention distance"
          "self-attention=--recipe paper --pe reference --self-attention 1 --heads 2"
          "ensemble5=--recipe paper --pe reference --ensemble 5"
          "pe-auto=--recipe paper --pe auto")
fi
repeats="${REPEATS:-10}"
threads="${THREADS:-$(nproc)}"
out="${OUT:-bench/out/ablation}"
joint=()
[[ -n "${JOINT:-}" ]] && joint=(--joint)
[[ -d "$data" ]] || { echo "ablation: no bAbI folder at $data" >&2; exit 1; }
mkdir -p "$out"
# a copy of the binary, so that rebuilding during a long run changes nothing
if [[ -z "${MEMNET:-}" ]]; then
  scripts/build.sh build > /dev/null
  cp build/memnet "$out/memnet"
  MEMNET="$out/memnet"
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "data: $data, repeats $repeats ${joint[*]}"
for setup in "${setups[@]}"; do
  name="${setup%%=*}"
  flags="${setup#*=}"
  db="$out/$name${JOINT:+-joint}.db"
  seeds_db="$out/$name${JOINT:+-joint}.seeds.db"
  start=$(date +%s.%N)
  if [[ -n "${REUSE:-}" && -f "$db" && -f "$seeds_db" ]]; then
    start=$(cat "$db.seconds")  # trained by an earlier run: keep its time
    end=0
  else
    rm -f "$db" "$seeds_db"
    # shellcheck disable=SC2086
    "$MEMNET" train --data "$data" --model "$db" --repeats "$repeats" --threads "$threads" \
      --save-repeats "$seeds_db" --quiet "${joint[@]}" $flags > "$out/$name${JOINT:+-joint}.train.log"
    end=$(date +%s.%N)
    echo "$end - $start" | bc > "$db.seconds"
    start=$(cat "$db.seconds")
    end=0
  fi
  "$MEMNET" eval --model "$db" --data "$data" --json > "$out/$name${JOINT:+-joint}.json"
  # every seed on its own: eval takes one model per task, so one eval per seed
  seeds_json="$out/$name${JOINT:+-joint}.seeds.jsonl"
  : > "$seeds_json"
  for ((k = 1; k <= repeats; k++)); do
    mapfile -t names < <(sqlite3 "$seeds_db" "SELECT name FROM models WHERE name LIKE '%.r$k'")
    ((${#names[@]} > 0)) || break  # --share-repeats: fewer seeds per chosen config
    "$MEMNET" eval --model "$seeds_db" --data "$data" --name "${names[@]}" --json >> "$seeds_json"
    echo >> "$seeds_json"
  done
  /usr/bin/python3 - "$out/$name${JOINT:+-joint}.json" "$seeds_json" \
    "$name" "$start" "$flags" <<'PY'
import json, statistics, sys
from collections import defaultdict
ev = json.load(open(sys.argv[1]))
by_task = defaultdict(list)
for line in open(sys.argv[2]):
    if line.strip():
        for t in json.loads(line)["tasks"]:
            by_task[t["task"]].append(t["error"])
med = {t: statistics.median(v) for t, v in by_task.items()}
med_mean = 100 * sum(med.values()) / max(1, len(med))
med_failed = sum(1 for v in med.values() if v > 0.05)
errs = " ".join(f"{100*t['error']:.1f}" for t in ev["tasks"])
hits = " ".join(f"{100*t['support_hit']:.0f}" for t in ev["tasks"])
meds = " ".join(f"{100*med[t]:.1f}" for t in sorted(med))
print(f"{sys.argv[3]:<16} mean {100*ev['mean_error']:5.2f}%  failed {ev['failed']:>2}  "
      f"| median over seeds {med_mean:5.2f}% failed {med_failed:>2}  "
      f"| train {float(sys.argv[4]):6.0f} s  [{sys.argv[5]}]\n"
      f"    per task:     {errs}\n    seed medians: {meds}\n    support hit%: {hits}")
PY
done
