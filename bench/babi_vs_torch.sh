#!/usr/bin/env bash
# Trains all 20 bAbI 1k tasks, one model per task and one seed, with memnet's default recipe
# and with `--recipe paper` (PE LS RN, 3 hops, d=20, adjacent tying), then runs the PyTorch
# reference (../shared/bench/torch_memn2n.py --linear-start --random-noise, the paper's
# model) on the same tasks, in the same run on the same machine, and prints per-task test
# error and training wall time for all three, and the time ratios.
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

paper_db="$out/bench_single_paper.db"
rm -f "$paper_db"
t0=$(date +%s.%N)
./build/memnet train --data "$data" --task "${tasks[@]}" --model "$db" --threads "$threads" \
  --seed "$seed" --quiet ${MEMNET_FLAGS:-} > "$out/memnet_train.log"
t1=$(date +%s.%N)
./build/memnet train --data "$data" --task "${tasks[@]}" --model "$paper_db" --threads "$threads" \
  --seed "$seed" --quiet --recipe paper > "$out/memnet_paper_train.log"
t2=$(date +%s.%N)
memnet_seconds=$(echo "$t1 - $t0" | bc)
paper_seconds=$(echo "$t2 - $t1" | bc)
./build/memnet eval --model "$db" --data "$data" --json > "$out/memnet_eval.json"
./build/memnet eval --model "$paper_db" --data "$data" --json > "$out/memnet_paper_eval.json"

/usr/bin/python3 "$torch_ref" --data "$data" --tasks "${tasks[@]}" --linear-start --random-noise \
  --threads "$threads" --seed "$seed" | tee "$out/torch.log" >&2
torch_seconds=$(awk '/^total_train_seconds/ {print $2}' "$out/torch.log")

/usr/bin/python3 - "$out/memnet_eval.json" "$out/memnet_paper_eval.json" "$out/torch.log" \
  "$memnet_seconds" "$paper_seconds" "$torch_seconds" <<'PY'
import json, re, sys
ev = json.load(open(sys.argv[1]))
pe = {t["task"]: t for t in json.load(open(sys.argv[2]))["tasks"]}
pev = json.load(open(sys.argv[2]))
torch = {int(m.group(1)): float(m.group(2)) for m in re.finditer(r"task (\d+)\s+test_error ([\d.]+)%", open(sys.argv[3]).read())}
ms, ps, ts = float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
print(f"{'task':>4} {'memnet default err%':>20} {'memnet paper err%':>18} {'torch err%':>11}")
for t in ev["tasks"]:
    print(f"{t['task']:>4} {100*t['error']:>20.1f} {100*pe[t['task']]['error']:>18.1f} {torch.get(t['task'], float('nan')):>11.1f}")
tm = [torch[t] for t in torch]
print(f"mean {100*ev['mean_error']:>20.1f} {100*pev['mean_error']:>18.1f} {sum(tm)/max(1,len(tm)):>11.1f}")
print(f"failed {ev['failed']:>18} {pev['failed']:>18} {sum(1 for x in tm if x > 5):>11}")
print(f"training wall time (all tasks): memnet default {ms:.1f} s, memnet --recipe paper {ps:.1f} s, "
      f"torch {ts:.1f} s")
print(f"torch/memnet default = {ts/ms:.1f}x, torch/memnet paper = {ts/ps:.1f}x, "
      f"default costs {ms/ps:.2f}x the paper recipe")
PY
