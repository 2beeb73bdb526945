#!/usr/bin/env bash
# Starts a memnet cluster on loopback: SHARDS `memnet serve` processes, each owning its own
# SQLite file (a copy of MODEL_FILE's models, which the shards only read), behind nginx,
# which routes /k/KEY/... to one shard by consistent hashing on KEY and strips the prefix.
# docs/scaling.md explains the design and its limits.
#   scripts/cluster-demo.sh [MODEL_FILE] [DIR]
# MODEL_FILE: a memnet file with models (default: one trained on data/demo task 1 into DIR).
# DIR: where the shard files, logs and nginx.conf go (default: a new folder under /tmp).
# Env: SHARDS (3), PORT (nginx's port, 8090), MEMNET (the binary, build/memnet).
# Prints "cluster: http://127.0.0.1:PORT" and one "shard N: pid PID port P file F" line per
# shard, then runs until SIGINT or SIGTERM, when it stops nginx and every shard.
set -euo pipefail
cd "$(dirname "$0")/.."
shards="${SHARDS:-3}"
port="${PORT:-8090}"
memnet="${MEMNET:-build/memnet}"
dir="${2:-$(mktemp -d /tmp/memnet-cluster.XXXXXX)}"
mkdir -p "$dir/nginx-tmp"
dir="$(cd "$dir" && pwd)"
[[ -x "$memnet" ]] || { scripts/setup.sh; scripts/build.sh build > /dev/null; }
command -v nginx > /dev/null || [[ -x /usr/sbin/nginx ]] || scripts/setup.sh
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

model="${1:-}"
if [[ -z "$model" ]]; then
  model="$dir/model.db"
  [[ -f "$model" ]] || "$memnet" train --data data/demo --task 1 --model "$model" --quiet \
    > "$dir/train.log"
fi
[[ -f "$model" ]] || { echo "cluster: no model file at $model" >&2; exit 1; }

pids=()
stop_all() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
}
trap stop_all EXIT
trap 'exit 0' INT TERM

servers=""
for n in $(seq "$shards"); do
  file="$dir/shard$n.db"
  # Each shard starts from a copy of the model file and then owns its own stories.
  [[ -f "$file" ]] || sqlite3 "$model" ".backup '$file'"
  "$memnet" serve --db "$file" --port 0 --log-format json 2> "$dir/shard$n.log" &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do grep -q 'http://' "$dir/shard$n.log" && break; sleep 0.1; done
  p=$(sed -n 's|.*http://[^:]*:\([0-9]*\) .*|\1|p' "$dir/shard$n.log" | head -1)
  [[ -n "$p" ]] || { echo "cluster: shard $n did not start:" >&2; cat "$dir/shard$n.log" >&2; exit 1; }
  echo "shard $n: pid $pid port $p file $file"
  # max_fails=0: a shard that is down is never taken out of the ring, so its keys are not
  # rehashed onto a shard that does not hold their stories.
  servers+="    server 127.0.0.1:$p max_fails=0;"$'\n'
done

cat > "$dir/nginx.conf" << EOF
# Written by scripts/cluster-demo.sh; see docs/scaling.md.
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log $dir/nginx-access.log;
  client_body_temp_path $dir/nginx-tmp/body;
  proxy_temp_path $dir/nginx-tmp/proxy;
  fastcgi_temp_path $dir/nginx-tmp/fastcgi;
  uwsgi_temp_path $dir/nginx-tmp/uwsgi;
  scgi_temp_path $dir/nginx-tmp/scgi;
  client_max_body_size 1m;

  upstream memnet_shards {
    hash \$memnet_key consistent;
$servers    keepalive 16;
  }

  server {
    listen 127.0.0.1:$port;
    default_type application/json;
    absolute_redirect off;

    # /k/KEY/v1/... -> the shard that owns KEY, as /v1/...
    location ~ ^/k/(?<memnet_key>[^/]+)(?<memnet_path>/.*)\$ {
      proxy_pass http://memnet_shards\$memnet_path\$is_args\$args;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Request-Id \$request_id;
      # Never retry elsewhere: another shard does not hold this key's stories.
      proxy_next_upstream off;
      proxy_intercept_errors off;
      add_header X-Memnet-Shard \$upstream_addr always;
      # Location: /v1/stories/7 -> /k/KEY/v1/stories/7, the story's address in the cluster.
      proxy_redirect ~^(/v1/.*)\$ /k/\$memnet_key\$1;
      error_page 502 504 = @shard_down;
    }
    location @shard_down {
      add_header Retry-After 5 always;
      return 503 '{"error":{"code":"shard_unavailable","message":"the shard holding this key is not answering; retry later"}}';
    }
    location = /healthz {
      return 200 '{"status":"ok","shards":$shards}';
    }
    location / {
      return 404 '{"error":{"code":"not_found","message":"address stories through their key: /k/KEY/v1/... (docs/scaling.md)"}}';
    }
  }
}
EOF
"$nginx_bin" -t -c "$dir/nginx.conf" -e "$dir/nginx-error.log" 2> "$dir/nginx-test.log" || {
  cat "$dir/nginx-test.log" >&2
  exit 1
}
"$nginx_bin" -c "$dir/nginx.conf" -e "$dir/nginx-error.log" &
nginx_pid=$!
pids+=("$nginx_pid")
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && break
  sleep 0.1
done
echo "cluster: http://127.0.0.1:$port (files and logs in $dir)"
# Until a signal, or nginx exits; a shard that dies is left dead (its keys answer 503).
wait "$nginx_pid" || true
