#!/usr/bin/env bash
# Accuracy on bAbI 1k as the paper measures it: one model per task, best of REPEATS seeds
# picked on validation, and one joint model over the 20 tasks (best of JOINT_REPEATS).
# PE LS RN, 3 hops, adjacent tying; d=20 single, d=50 joint (memnet's --joint defaults).
#   bench/accuracy.sh [BABI_EN_DIR]
# Env: REPEATS (10), JOINT_REPEATS (4), PE (reference), THREADS (nproc), OUT (bench/out).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/datasets/babi/tasks_1-20_v1-2/en}"
repeats="${REPEATS:-10}"
joint_repeats="${JOINT_REPEATS:-4}"
pe="${PE:-reference}"
threads="${THREADS:-$(nproc)}"
out="${OUT:-bench/out}"
[[ -d "$data" ]] || { echo "accuracy: no bAbI folder at $data" >&2; exit 1; }
scripts/setup.sh --bench
scripts/build.sh build > /dev/null
mkdir -p "$out"
rm -f "$out/single.db" "$out/joint.db"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"

echo "== single task, best of $repeats, --pe $pe"
/usr/bin/time -f "training wall time %e s" ./build/memnet train --data "$data" --model "$out/single.db" \
  --repeats "$repeats" --pe "$pe" --threads "$threads" --quiet > "$out/single_train.log"
./build/memnet eval --model "$out/single.db" --data "$data"

echo "== joint, best of $joint_repeats, --pe $pe"
/usr/bin/time -f "training wall time %e s" ./build/memnet train --data "$data" --joint \
  --model "$out/joint.db" --repeats "$joint_repeats" --pe "$pe" --threads "$threads" --quiet \
  > "$out/joint_train.log"
./build/memnet eval --model "$out/joint.db" --data "$data"
