#!/usr/bin/env bash
# The main job on its embedded default: set up, build, train a small model on the bundled
# generated dataset (data/demo, task 1) into memnet-demo.db, store a story of facts in the
# same file, answer a question about it from the command line (with each hop's attention),
# then serve the file over HTTP, ask the same question with curl, and keep serving the web
# page (stories, asking, the attention heat map, the models) until Ctrl-C when run from a
# terminal. The bundled task 1 test stories are imported too, for "Sample a bAbI story".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build > /dev/null
db=memnet-demo.db
rm -f "$db" "$db-wal" "$db-shm"
./build/memnet train --data data/demo --task 1 --model "$db" --epochs 40 --ls-epochs 10
story=$(./build/memnet story create --db "$db" --name "sample story")
./build/memnet story add --db "$db" --story-id "$story" --file data/demo/sample_story.txt > /dev/null
./build/memnet ask --db "$db" --story-id "$story" --question "Where is Daniel?"
./build/memnet import --db "$db" --babi data/demo/qa1_single-supporting-fact_test.txt > /dev/null

echo
log=$(mktemp)
./build/memnet serve --db "$db" --port 0 2> "$log" &
server=$!
trap 'kill $server 2> /dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q 'http://' "$log" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$log")
cat "$log"
echo "\$ curl -s -X POST -H 'Content-Type: application/json' -d '{\"question\": \"Where is Daniel?\", \"top\": 2}' $url/v1/stories/$story/ask"
response=$(curl -sS -X POST -H 'Content-Type: application/json' \
  -d '{"question": "Where is Daniel?", "top": 2}' "$url/v1/stories/$story/ask")
echo "${response:0:400} ..."
echo
if [[ -t 0 && -t 1 ]]; then
  echo "The web page: open $url/ in a browser (Ctrl-C stops the server)."
  wait $server || true
  exit 0
fi
kill -TERM $server
wait $server
echo
echo "Serve it yourself and open the page it prints: build/memnet serve --db $db"
echo "(the page at /, the API in docs/http-api.md)"
