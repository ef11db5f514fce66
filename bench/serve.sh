#!/usr/bin/env bash
# Load test: wrk on loopback against `patroliq serve` and against nginx serving the same tiles as static
# files, with the same URL mix (valid tiles of the demo pyramid plus 10 % bad URLs). Reports requests/s,
# p99 latency, 5xx count, and the ratio. Needs wrk and nginx (Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
OUT=$(pwd)/bench/out/serve
DURATION=${DURATION:-30}
PORT=${PORT:-8097}
NGINX_PORT=${NGINX_PORT:-8098}
for tool in wrk nginx; do command -v $tool > /dev/null || { echo "SKIP: $tool not installed (apt-get install wrk nginx)"; exit 0; }; done
mkdir -p "$OUT"
cd "$OUT"
if [ ! -f tiles/all.mbtiles ]; then
  ../../../"$BIN" generate --rows 200000 --seed 42 --out d.csv > /dev/null
  ../../../"$BIN" ingest d.csv --workspace workspace.sqlite > /dev/null
  ../../../"$BIN" tiles --workspace workspace.sqlite --minzoom 10 --maxzoom 15 --dir tiles > /dev/null
fi
rm -rf static && ../../../"$BIN" tiles export-dir --mbtiles tiles/all.mbtiles --out static/tiles/all > /dev/null
# URL mix: every stored tile, and one bad URL in ten (bad numbers, unknown layer, traversal, out of range).
python3 - <<'PY'
import os, random
random.seed(1)
paths = []
for root, _, files in os.walk("static/tiles/all"):
    for f in files:
        paths.append("/" + os.path.relpath(os.path.join(root, f), "static"))
paths.sort()
bad = ["/tiles/all/12/x/1.png", "/tiles/nope/12/1050/1522.png", "/tiles/all/99/1/1.png", "/tiles/all/12/999999/1.png",
       "/%2e%2e/etc/passwd", "/tiles/all/3/1/1.png"]
mix = []
for i, p in enumerate(random.sample(paths, len(paths))):
    mix.append(p)
    if i % 9 == 8: mix.append(random.choice(bad))
with open("urls.lua", "w") as f:
    f.write("paths = {\n" + ",\n".join('"%s"' % p for p in mix) + "\n}\n")
print(f"{len(paths)} tiles, {len(mix)} URLs in the mix")
PY
cat > mix.lua <<'LUA'
dofile("urls.lua")
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) i = math.random(#paths); s5 = 0 end
function request() i = i % #paths + 1; return wrk.format("GET", paths[i]) end
function response(status, headers, body) if status >= 500 then s5 = s5 + 1 end end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("s5") end
  io.write(string.format("RESULT rps=%.0f p50_ms=%.3f p99_ms=%.3f errors=%d status5xx=%d requests=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, n, summary.requests))
end
LUA
# Two pairings: both logging every request (patroliq at info, nginx with a buffered access log), and
# neither logging (patroliq at warning, nginx access_log off).
nginx_conf() {
  cat > nginx.conf <<NGINX
worker_processes 2;
pid $OUT/nginx.pid;
error_log $OUT/nginx-error.log;
events { worker_connections 1024; }
http {
  $1
  types { image/png png; }
  server { listen 127.0.0.1:$NGINX_PORT; root $OUT/static; location / { try_files \$uri =404; } }
}
NGINX
}
run() { wrk -t2 -c64 -d"${DURATION}s" --latency -s mix.lua "$1" | grep RESULT; }
trap 'kill $SERVER 2>/dev/null || true; nginx -c "$OUT/nginx.conf" -s stop 2>/dev/null || true' EXIT
for mode in "info|access_log $OUT/access.log combined buffer=64k flush=1s;" "warning|access_log off;"; do
  level=${mode%%|*}; log=${mode#*|}
  ../../../"$BIN" serve --workspace workspace.sqlite --tiles tiles --geojson geojson --port "$PORT" --log-level "$level" > serve.log 2>&1 &
  SERVER=$!
  nginx_conf "$log"; nginx -c "$OUT/nginx.conf"
  sleep 1
  ours=$(run "http://127.0.0.1:$PORT")
  theirs=$(run "http://127.0.0.1:$NGINX_PORT")
  rss=$(ps -o rss= -p $SERVER)
  kill -0 $SERVER && alive=yes || alive=no
  kill $SERVER; wait $SERVER 2>/dev/null; nginx -c "$OUT/nginx.conf" -s stop; sleep 1; rm -f access.log
  echo "patroliq serve (log $level): $ours, RSS $((rss / 1024)) MiB, still running after the run: $alive"
  echo "nginx ($log):     $theirs"
  python3 -c "import re,sys; a=float(re.search('rps=(\d+)', sys.argv[1]).group(1)); b=float(re.search('rps=(\d+)', sys.argv[2]).group(1)); print(f'ratio patroliq / nginx requests/s: {a/b:.2f}')" "$ours" "$theirs"
  # In the table as seconds per 100 000 requests, so the ratio reads as for every other row.
  rec=$(python3 -c "import re,sys; a=float(re.search('rps=(\d+)', sys.argv[1]).group(1)); b=float(re.search('rps=(\d+)', sys.argv[2]).group(1)); print(f'{1e5 / b:.4f} {1e5 / a:.4f} {a:.0f} {b:.0f}')" "$ours" "$theirs")
  read -r peer_s ours_s ours_rps peer_rps <<< "$rec"
  record "tile serving, wrk 64 connections, log $level (nginx static files; s per 100 000 requests)" "$peer_s" "$ours_s" "$rss" "patroliq $ours_rps req/s, nginx $peer_rps req/s"
done

# Many clients at once: 5 000 concurrent connections (the issue's hostile-load figure). The file limit
# is raised for both sides; the server must answer without 5xx, stay up, and keep its memory bounded.
if [ "${MANY:-5000}" -gt 0 ]; then
  ulimit -n 65536 2> /dev/null || true
  ../../../"$BIN" serve --workspace workspace.sqlite --tiles tiles --geojson geojson --port "$PORT" --log-level warning > serve.log 2>&1 &
  SERVER=$!
  sleep 1
  many=$(wrk -t2 -c"${MANY:-5000}" -d"${DURATION}s" --timeout 10s --latency -s mix.lua "http://127.0.0.1:$PORT" | grep RESULT)
  rss=$(ps -o rss= -p $SERVER)
  kill -0 $SERVER && alive=yes || alive=no
  kill $SERVER; wait $SERVER 2>/dev/null
  echo "patroliq serve, ${MANY:-5000} connections: $many, RSS $((rss / 1024)) MiB, still running: $alive"
fi
