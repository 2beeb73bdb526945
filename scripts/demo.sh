#!/usr/bin/env bash
# The main job on its embedded default: set up, build, train a small model on the bundled
# generated dataset (data/demo, task 1) into memnet-demo.db, then answer a sample question
# and show each hop's attention.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build > /dev/null
rm -f memnet-demo.db
./build/memnet train --data data/demo --task 1 --model memnet-demo.db --epochs 40 --ls-epochs 10
./build/memnet ask --model memnet-demo.db --story data/demo/sample_story.txt \
  --question "Where is Daniel?"
