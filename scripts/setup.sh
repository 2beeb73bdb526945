#!/usr/bin/env bash
# Installs the Debian packages memnet builds with, if any are missing (needs root or sudo).
#   scripts/setup.sh          build and test dependencies (chromium: the browser tests;
#                             nginx: the cluster test, scripts/cluster-demo.sh)
#   scripts/setup.sh --bench  also what bench/ uses: the PyTorch reference, wrk, bc, time
#   scripts/setup.sh --fuzz   also what scripts/fuzz.sh uses: clang 14 with libFuzzer and the
#                             sanitizer runtimes (libclang-rt-14-dev: only a recommendation of
#                             clang-14, which --no-install-recommends would skip)
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config
          libeigen3-dev libfmt-dev libsqlite3-dev libsqlitecpp-dev nlohmann-json3-dev
          libcli11-dev doctest-dev sqlite3 libboost-dev curl
          libjs-d3 chromium nginx)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(python3 python3-torch bc time wrk)
elif [[ "${1:-}" == "--fuzz" ]]; then
  packages+=(clang-14 libclang-rt-14-dev libfuzzer-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "setup: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
