#!/usr/bin/env bash
# The dialog bAbI table of docs/benchmarks.md: each named setup trains tasks 1-6 (one model
# per task; the -dev files are the validation set) and is evaluated on tst and tst-OOV.
# Prints per setup the per-response accuracy per task, the T1-5 means and the training time,
# and keeps every eval as JSON in $OUT.
#   bench/dialog.sh [DIALOG_DIR] [SETUP...]
# A setup is NAME=FLAGS, e.g. "gated=--gated"; with none: the default recipe (match type),
# the same without match type, and Bordes et al.'s MemN2N (--recipe paper).
# Env: THREADS (nproc), OUT (bench/out/dialog), TASKS ("1 2 3 4 5 6"), MEMNET (a binary).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/datasets/dialog-babi}"
shift || true
setups=("$@")
if ((${#setups[@]} == 0)); then
  setups=("default=" "no-match-type=--no-match-type" "paper=--recipe paper")
fi
threads="${THREADS:-$(nproc)}"
out="${OUT:-bench/out/dialog}"
tasks="${TASKS:-1 2 3 4 5 6}"
[[ -d "$data" ]] || { echo "dialog: no dialog bAbI folder at $data" >&2; exit 1; }
mkdir -p "$out"
if [[ -z "${MEMNET:-}" ]]; then
  scripts/build.sh build > /dev/null
  cp build/memnet "$out/memnet"
  MEMNET="$out/memnet"
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "data: $data, tasks $tasks, threads $threads"
task_flags=()
for t in $tasks; do task_flags+=(--task "$t"); done
for setup in "${setups[@]}"; do
  name="${setup%%=*}"
  flags="${setup#*=}"
  db="$out/$name.db"
  rm -f "$db" "$db-wal" "$db-shm"
  start=$(date +%s)
  # shellcheck disable=SC2086
  "$MEMNET" train --dialog --data "$data" "${task_flags[@]}" --model "$db" --threads "$threads" \
    --quiet $flags > "$out/$name.train.log"
  seconds=$(( $(date +%s) - start ))
  "$MEMNET" eval --dialog --model "$db" --data "$data" --dev --threads "$threads" --json \
    > "$out/$name.json"
  /usr/bin/python3 - "$name" "$flags" "$seconds" "$out/$name.json" <<'PY'
import json, sys
name, flags, seconds, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
report = json.load(open(path))
acc = {}
for m in report["models"]:
    for s in m["splits"]:
        acc[(m["task"], s["split"])] = (100 * s["per_response"], 100 * s["per_dialog"])
def cell(t, split):
    return f"{acc[(t, split)][0]:.1f}" if (t, split) in acc else "-"
tasks = sorted({t for t, _ in acc})
row = " | ".join(cell(t, "tst") for t in range(1, 7))
avg = report.get("avg_1_5")
means = f"{100 * avg['tst']:.1f} | {100 * avg['tst_oov']:.1f}" if avg else "- | -"
oov = " ".join(cell(t, "tst-OOV") for t in range(1, 6))
dialog5 = f"{acc[(5, 'tst')][1]:.1f}" if (5, "tst") in acc else "-"
print(f"| {name} (`{flags.strip() or 'defaults'}`) | {row} | {means} | {seconds // 60}m{seconds % 60:02d}s |")
print(f"    OOV per task T1-5: {oov}; T5 per-dialog: {dialog5}; dev per task: "
      + " ".join(cell(t, "dev") for t in tasks))
PY
done
