#!/usr/bin/env bash
# Browser test of the dashboard: builds a small demo (generate → ingest → cluster → tiles → export), starts
# `patroliq serve`, loads each view in headless Chromium and checks what the page reports on <body>:
# data-ready="true", data-errors="0", and for the map, tiles and overlays loaded. Saves one screenshot per
# view to Tests/browser/screenshots/. Skips, saying so, when Chromium is not installed.
set -uo pipefail
cd "$(dirname "$0")/../.."
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROME" ]; then echo "browser: SKIP (no chromium; apt-get install chromium)"; echo "browser: 0 passed, 0 failed"; exit 0; fi
BIN=${BIN:-.build/debug/patroliq}
[ -x "$BIN" ] || swift build --product patroliq > /dev/null
BIN=$(pwd)/$BIN
WEB=$(pwd)/web
SHOTS=$(pwd)/Tests/browser/screenshots
mkdir -p "$SHOTS"
T=$(mktemp -d)
PORT=${PORT:-$((20000 + RANDOM % 20000))}
cd "$T"
"$BIN" generate --rows 20000 --seed 7 --out d.csv > /dev/null
"$BIN" ingest d.csv > /dev/null
"$BIN" cluster --k 5...7 --temporal-k 3...4 > /dev/null
"$BIN" tiles --minzoom 10 --maxzoom 13 --layer all --layer window:night > /dev/null
"$BIN" export > /dev/null
"$BIN" serve --port "$PORT" --web "$WEB" --log-level warning > serve.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/health" > /dev/null && break; sleep 0.2; done
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
for view in map temporal stats runs; do
  url="http://127.0.0.1:$PORT/?basemap=none#$view"
  dom=$(timeout 90 "$CHROME" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --window-size=1280,900 \
    --virtual-time-budget=20000 --dump-dom "$url" 2> /dev/null)
  body=$(grep -o '<body[^>]*>' <<< "$dom" | head -1)
  echo "$view: $body"
  check "$view ready" '[[ "$body" == *data-ready=\"true\"* ]]'
  check "$view without JavaScript errors" '[[ "$body" == *data-errors=\"0\"* ]]'
  check "$view shows view $view" '[[ "$body" == *data-view=\"$view\"* ]]'
  case $view in
    map)
      check "map tiles loaded" '[[ "$body" =~ data-tiles=\"[1-9] ]]'
      check "map overlays loaded" '[[ "$body" =~ data-overlays=\"[1-9] ]]'
      check "map layer switcher lists layers" 'grep -q "id=\"layer-night\"" <<< "$dom"' ;;
    temporal) check "temporal patterns shown" 'grep -q "Pattern 0:" <<< "$dom"' ;;
    stats) check "statistics table filled" 'grep -q "THEFT" <<< "$dom"' ;;
    runs) check "runs table filled" 'grep -q "kmeans, dbscan" <<< "$dom"' ;;
  esac
  timeout 90 "$CHROME" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
    --window-size=1280,900 --virtual-time-budget=20000 --screenshot="$SHOTS/$view.png" "$url" > /dev/null 2>&1
  check "$view screenshot saved" '[ -s "$SHOTS/$view.png" ]'
done
echo "browser: $pass passed, $fail failed"
[ "$fail" = 0 ]
