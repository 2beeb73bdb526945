#!/usr/bin/env bash
# Trains all 20 bAbI 1k tasks with the paper's settings (PE LS RN, 3 hops, d=20, adjacent
# tying, one model per task, one seed) with memnet, then runs the PyTorch reference
# (../shared/bench/torch_memn2n.py --linear-start --random-noise) on the same tasks, in the
# same run on the same machine, and prints per-task test error and training wall time for
# both, and the time ratio.
#   bench/babi_vs_torch.sh [BABI_EN_DIR] [TASKS...]
# Env: THREADS (default: nproc), SEED (default 1), OUT (default bench/out),
#      MEMNET_FLAGS (extra `memnet train` flags, e.g. "--pe reference").
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/datasets/babi/tasks_1-20_v1-2/en}"
shift || true
tasks=("$@")
if ((${#tasks[@]} == 0)); then tasks=($(seq 1 20)); fi
threads="${THREADS:-$(nproc)}"
seed="${SEED:-1}"
out="${OUT:-bench/out}"
torch_ref="../shared/bench/torch_memn2n.py"
[[ -d "$data" ]] || { echo "bench: no bAbI folder at $data" >&2; exit 1; }
[[ -f "$torch_ref" ]] || { echo "bench: no PyTorch reference at $torch_ref" >&2; exit 1; }
scripts/setup.sh --bench
scripts/build.sh build > /dev/null
mkdir -p "$out"
db="$out/bench_single.db"
rm -f "$db"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "memnet: threads=$threads seed=$seed flags='${MEMNET_FLAGS:-}'; torch: threads=$threads seed=$seed"

t0=$(date +%s.%N)
./build/memnet train --data "$data" --task "${tasks[@]}" --model "$db" --threads "$threads" \
  --seed "$seed" --quiet ${MEMNET_FLAGS:-} > "$out/memnet_train.log"
t1=$(date +%s.%N)
memnet_seconds=$(echo "$t1 - $t0" | bc)
./build/memnet eval --model "$db" --data "$data" --json > "$out/memnet_eval.json"

/usr/bin/python3 "$torch_ref" --data "$data" --tasks "${tasks[@]}" --linear-start --random-noise \
  --threads "$threads" --seed "$seed" | tee "$out/torch.log" >&2
torch_seconds=$(awk '/^total_train_seconds/ {print $2}' "$out/torch.log")

/usr/bin/python3 - "$out/memnet_eval.json" "$out/torch.log" "$memnet_seconds" "$torch_seconds" <<'PY'
import json, re, sys
ev = json.load(open(sys.argv[1]))
torch = {int(m.group(1)): float(m.group(2)) for m in re.finditer(r"task (\d+)\s+test_error ([\d.]+)%", open(sys.argv[2]).read())}
ms, ts = float(sys.argv[3]), float(sys.argv[4])
print(f"{'task':>4} {'memnet err%':>12} {'torch err%':>11}")
for t in ev["tasks"]:
    print(f"{t['task']:>4} {100*t['error']:>12.1f} {torch.get(t['task'], float('nan')):>11.1f}")
tm = [torch[t] for t in torch]
print(f"mean {100*ev['mean_error']:>12.1f} {sum(tm)/max(1,len(tm)):>11.1f}")
print(f"failed {ev['failed']:>10} {sum(1 for x in tm if x > 5):>11}")
print(f"training wall time (all tasks): memnet {ms:.1f} s, torch {ts:.1f} s, torch/memnet = {ts/ms:.1f}x")
PY
