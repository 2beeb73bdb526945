#!/usr/bin/env bash
# clang-format (Google base, 100 columns; .clang-format) over the project's C++ files.
#   scripts/format.sh          rewrite files in place
#   scripts/format.sh --check  list unformatted files and fail if there are any
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.h')
if [[ "${1:-}" == "--check" ]]; then
  clang-format --dry-run --Werror "${files[@]}"
else
  clang-format -i "${files[@]}"
fi
