#!/usr/bin/env bash
# Sets up, builds (warnings as errors) and runs the test suite.
#   scripts/test.sh              Release build in build-test/
#   scripts/test.sh --sanitize   AddressSanitizer + UBSan build in build-asan/
#   scripts/test.sh --tsan       ThreadSanitizer build in build-tsan/: the concurrent parts
#                                (server transport, routes, metrics, access log, story service,
#                                memnet serve, the trainer's threads over tasks, seeds and
#                                candidates)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Sanitizer builds: -O1 with line tables compiles Beast about twice as fast as -O2 -g and
# still gives file:line stacks; no NDEBUG, so Eigen's and our asserts are checked too.
sanitize_flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1"
                -DMEMNET_WERROR=ON)
if [[ "${1:-}" == "--sanitize" ]]; then
  scripts/build.sh build-asan "${sanitize_flags[@]}" -DMEMNET_SANITIZE=address,undefined
  dir=build-asan
elif [[ "${1:-}" == "--tsan" ]]; then
  scripts/build.sh build-tsan "${sanitize_flags[@]}" -DMEMNET_SANITIZE=thread
  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
  # (the trained-model parity tests are not concurrent: the Release and ASan suites run them)
  exec build-tsan/tests/memnet_tests --test-case="http_server*,routes*,story service*,serve e2e*,trainer*,dialog service*,dialog routes*,dialog train: tasks trained side by side*,observability*,access log*" \
    --test-case-exclude="serve e2e: so does it on real task 3*"
else
  scripts/build.sh build-test -DMEMNET_WERROR=ON
  dir=build-test
fi
ctest --test-dir "$dir" --output-on-failure
