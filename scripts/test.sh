#!/usr/bin/env bash
# Sets up, builds (warnings as errors) and runs the test suite.
#   scripts/test.sh              Release build in build-test/
#   scripts/test.sh --sanitize   AddressSanitizer + UBSan build in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [[ "${1:-}" == "--sanitize" ]]; then
  scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMNET_WERROR=ON \
    -DMEMNET_SANITIZE=address,undefined
  dir=build-asan
else
  scripts/build.sh build-test -DMEMNET_WERROR=ON
  dir=build-test
fi
ctest --test-dir "$dir" --output-on-failure
