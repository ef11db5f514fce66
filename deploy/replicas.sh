#!/usr/bin/env bash
# Two stateless `patroliq serve` replicas behind nginx on loopback (deploy/nginx-replicas.conf): builds a
# small demo workspace with tiles, starts both replicas on the same files, checks that both give the same
# ETag for the same URLs (so a CDN or browser may revalidate against either), loads nginx with wrk and
# reports requests/s, latency and non-2xx/3xx answers (bad URLs in the mix must come back 4xx, never 5xx).
# Needs nginx and wrk (Debian packages: apt-get install nginx wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/patroliq}
DURATION=${DURATION:-15}
RUN=$(mktemp -d)
for tool in wrk nginx curl; do command -v $tool > /dev/null || { echo "SKIP: $tool not installed (apt-get install nginx wrk curl)"; exit 0; }; done
[ -x "$BIN" ] || swift build -c release --static-swift-stdlib --product patroliq
BIN=$(realpath "$BIN")
PORT_A=$((20000 + RANDOM % 10000)); PORT_B=$((PORT_A + 1)); LISTEN=$((PORT_A + 2))
A=; B=
cleanup() { [ -f "$RUN/nginx.pid" ] && kill "$(cat "$RUN/nginx.pid")" 2> /dev/null; kill $A $B 2> /dev/null; rm -rf "$RUN"; }
trap cleanup EXIT
cd "$RUN"
"$BIN" generate --rows 50000 --seed 3 --out d.csv > /dev/null
"$BIN" ingest d.csv --workspace ws.sqlite > /dev/null
mkdir -p tiles && "$BIN" tiles --workspace ws.sqlite --minzoom 10 --maxzoom 13 --out tiles/all.mbtiles > /dev/null
"$BIN" serve --workspace ws.sqlite --tiles tiles --port $PORT_A --log-level warning > a.log 2>&1 & A=$!
"$BIN" serve --workspace ws.sqlite --tiles tiles --port $PORT_B --log-level warning > b.log 2>&1 & B=$!
mkdir -p body proxy fastcgi uwsgi scgi
sed -e "s|@RUN@|$RUN|g" -e "s|@PORT_A@|$PORT_A|" -e "s|@PORT_B@|$PORT_B|" -e "s|@LISTEN@|$LISTEN|" \
  "$OLDPWD/deploy/nginx-replicas.conf" > nginx.conf
for p in $PORT_A $PORT_B; do for _ in $(seq 50); do curl -sf "http://127.0.0.1:$p/health" > /dev/null && break; sleep 0.2; done; done
nginx -c "$RUN/nginx.conf" -p "$RUN"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$LISTEN/health" > /dev/null && break; sleep 0.2; done

# The same URLs on both replicas: identical ETags (tiles, TileJSON, statistics, a live filtered tile).
Z=12; X=$(python3 -c "import math;print(int((-87.66+180)/360*2**$Z))"); Y=$(python3 -c "import math;la=math.radians(41.86);print(int((1-math.log(math.tan(la)+1/math.cos(la))/math.pi)/2*2**$Z))")
same=0 differ=0
for url in "/tiles/all/$Z/$X/$Y.png" /tiles/all.json /api/stats "/api/stats?types=THEFT" "/tiles/live/$Z/$X/$Y.png?types=THEFT&hours=22-4"; do
  # Asked with nginx's Host, as nginx forwards it (TileJSON names the public address in its tile URLs).
  ea=$(curl -s -H "Host: 127.0.0.1:$LISTEN" -D - -o /dev/null "http://127.0.0.1:$PORT_A$url" | tr -d '\r' | awk 'tolower($1)=="etag:"{print $2}')
  eb=$(curl -s -H "Host: 127.0.0.1:$LISTEN" -D - -o /dev/null "http://127.0.0.1:$PORT_B$url" | tr -d '\r' | awk 'tolower($1)=="etag:"{print $2}')
  if [ -n "$ea" ] && [ "$ea" = "$eb" ]; then same=$((same + 1)); else differ=$((differ + 1)); echo "ETag differs for $url: '$ea' vs '$eb'"; fi
done
echo "ETags: $same URLs identical on both replicas, $differ different"

cat > mix.lua << LUA
local paths = {"/tiles/all/$Z/$X/$Y.png", "/tiles/all/$Z/$((X + 1))/$Y.png", "/tiles/all/$Z/$X/$((Y + 1)).png",
  "/tiles/all.json", "/api/stats?types=THEFT", "/tiles/live/$Z/$X/$Y.png?types=THEFT&hours=22-4",
  "/tiles/all/99/1/1.png", "/tiles/nope/1/1/1.png", "/api/stats?hours=x"}
local threads = {}
function setup(t) table.insert(threads, t) end
function init() i = 0; bad = 0 end
function request() i = i % #paths + 1; return wrk.format("GET", paths[i]) end
function response(status) if status >= 500 then bad = bad + 1 end end
function done(summary, latency)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("bad") end
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f 5xx=%d socket_errors=%d requests=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000, n,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.requests))
end
LUA
echo "wrk through nginx to 2 replicas, $DURATION s, 4 threads, 32 connections:"
wrk -t4 -c32 -d"${DURATION}s" -s mix.lua "http://127.0.0.1:$LISTEN" | grep RESULT
[ "$differ" = 0 ]
