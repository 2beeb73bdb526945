#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang 14, ASan and UBSan into build-fuzz/ and runs
# each for SECONDS (default 60), one after another, one process each.
#   scripts/fuzz.sh [TARGET|all] [SECONDS]     TARGET: fuzz_babi or babi, dialog, tokenize,
#                                              routes, http
# Each target runs on build-fuzz/corpus-work/<target>: the seeds of fuzz/corpus/<target>
# copied in, plus what earlier runs found, so the committed corpora never grow. Crash inputs
# go to build-fuzz/artifacts/, logs to build-fuzz/logs/<target>.log. Prints each target's
# executions; exits 1 if any target crashed (or leaked, timed out, ran out of memory).
set -euo pipefail
cd "$(dirname "$0")/.."

all=(fuzz_babi fuzz_dialog fuzz_tokenize fuzz_routes fuzz_http)
which="${1:-all}"
seconds="${2:-60}"
if [[ "$which" == "all" ]]; then
  targets=("${all[@]}")
else
  targets=("fuzz_${which#fuzz_}")
  if [[ ! " ${all[*]} " == *" ${targets[0]} "* ]]; then
    echo "fuzz: no target '$which' (one of: ${all[*]}, all)" >&2
    exit 2
  fi
fi
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz: SECONDS must be a positive integer, got '$seconds'" >&2
  exit 2
fi

scripts/setup.sh --fuzz
dir=build-fuzz
mkdir -p "$dir"
# -O1 with line tables, as the sanitizer builds of scripts/test.sh; no NDEBUG, so asserts hold.
CC=clang-14 CXX=clang++-14 cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" -DMEMNET_FUZZ=ON -DMEMNET_WERROR=ON \
  > "$dir/configure.log" 2>&1 || {
  cat "$dir/configure.log" >&2
  exit 1
}
cmake --build "$dir" -j "$(nproc)" --target "${targets[@]}"

root="$PWD"
mkdir -p "$dir/artifacts" "$dir/logs" "$dir/tmp"
failed=()
summary=()
total=0
for t in "${targets[@]}"; do
  work="$dir/corpus-work/$t"
  mkdir -p "$work"
  cp fuzz/corpus/"$t"/* "$work"/
  args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10
        -artifact_prefix="$root/$dir/artifacts/$t-")
  if [[ -f "fuzz/dict/$t.dict" ]]; then args+=(-dict="fuzz/dict/$t.dict"); fi
  echo "fuzz: $t for ${seconds}s" >&2
  status=0
  # fuzz_routes makes its memnet file under TMPDIR: keep it inside the build folder.
  TMPDIR="$root/$dir/tmp" "$dir/fuzz/$t" "${args[@]}" "$work" > "$dir/logs/$t.log" 2>&1 ||
    status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/logs/$t.log" | tail -n 1)
  total=$((total + ${runs:-0}))
  if ((status != 0)); then
    failed+=("$t")
    summary+=("$(printf '%-14s %12s executions  FAILED (exit %d): %s' "$t" "${runs:-?}" \
      "$status" "$dir/logs/$t.log")")
    grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' "$dir/logs/$t.log" >&2 ||
      tail -n 20 "$dir/logs/$t.log" >&2
  else
    summary+=("$(printf '%-14s %12s executions' "$t" "${runs:-?}")")
  fi
done

printf '%s\n' "${summary[@]}"
printf '%-14s %12s executions\n' total "$total"
if ((${#failed[@]} > 0)); then
  echo "fuzz: crashed: ${failed[*]} (inputs in $dir/artifacts/)" >&2
  exit 1
fi
