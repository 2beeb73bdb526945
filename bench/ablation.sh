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
[[ -x build/memnet ]] || scripts/build.sh build > /dev/null
mkdir -p "$out"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "data: $data, repeats $repeats ${joint[*]}"
for setup in "${setups[@]}"; do
  name="${setup%%=*}"
  flags="${setup#*=}"
  db="$out/$name${JOINT:+-joint}.db"
  rm -f "$db"
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  ./build/memnet train --data "$data" --model "$db" --repeats "$repeats" --threads "$threads" \
    --quiet "${joint[@]}" $flags > "$out/$name${JOINT:+-joint}.train.log"
  end=$(date +%s.%N)
  ./build/memnet eval --model "$db" --data "$data" --json > "$out/$name${JOINT:+-joint}.json"
  /usr/bin/python3 - "$out/$name${JOINT:+-joint}.json" "$name" "$(echo "$end - $start" | bc)" "$flags" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))
errs = " ".join(f"{100*t['error']:.1f}" for t in ev["tasks"])
print(f"{sys.argv[2]:<16} mean {100*ev['mean_error']:5.2f}%  failed {ev['failed']:>2}  "
      f"train {float(sys.argv[3]):6.0f} s  [{sys.argv[4]}]\n    per task: {errs}")
PY
done
