#!/usr/bin/env bash
# Sets up, builds (warnings as errors) and runs the test suite.
#   scripts/test.sh              Release build in build-test/
#   scripts/test.sh --sanitize   AddressSanitizer + UBSan build in build-asan/
#   scripts/test.sh --tsan       ThreadSanitizer build in build-tsan/: the concurrent parts
#                                (server transport, routes, story service, memnet serve)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [[ "${1:-}" == "--sanitize" ]]; then
  scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMNET_WERROR=ON \
    -DMEMNET_SANITIZE=address,undefined
  dir=build-asan
elif [[ "${1:-}" == "--tsan" ]]; then
  scripts/build.sh build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMNET_WERROR=ON \
    -DMEMNET_SANITIZE=thread
  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
  exec build-tsan/tests/memnet_tests --test-case="http_server*,routes*,story service*,serve e2e*"
else
  scripts/build.sh build-test -DMEMNET_WERROR=ON
  dir=build-test
fi
ctest --test-dir "$dir" --output-on-failure
