#!/usr/bin/env bash
# Browser test of the dashboard: builds a small demo (generate → ingest → cluster → tiles → export), starts
# `patroliq serve`, loads each view in headless Chromium and checks what the page reports on <body>:
# data-ready="true", data-errors="0", and for the map, tiles and overlays loaded. Saves one screenshot per
# view to Tests/browser/screenshots/. Skips, saying so, when Chromium is not installed.
set -uo pipefail
cd "$(dirname "$0")/../.."
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROME" ]; then
  # In CI the browser test must run: .ci/run installs Chromium.
  if [ "${CI:-}" = true ]; then echo "browser: FAIL (no chromium in CI)"; echo "browser: 0 passed, 1 failed"; exit 1; fi
  echo "browser: SKIP (no chromium; apt-get install chromium)"; echo "browser: 0 passed, 0 failed"; exit 0
fi
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
# Text from data must reach the page as text: one type becomes markup that would run script.
PAYLOAD='<img src=x onerror=document.body.dataset.pwned=1>'
sed -i "s/,BATTERY,/,$PAYLOAD,/" d.csv
"$BIN" ingest d.csv > /dev/null
"$BIN" cluster --k 5...7 --temporal-k 3...4 --algorithms kmeans,dbscan,ward,temporal,pca,tsne --tsne-sample 800 > /dev/null
"$BIN" tiles --minzoom 10 --maxzoom 13 --layer all --layer window:night > /dev/null
"$BIN" export > /dev/null
"$BIN" hotspots > /dev/null
"$BIN" backtest > /dev/null
"$BIN" serve --port "$PORT" --web "$WEB" --log-level warning > serve.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$T"' EXIT
# Waits until the server on port $1 answers /health.
wait_health() { for _ in $(seq 50); do curl -sf "http://127.0.0.1:$1/health" > /dev/null && break; sleep 0.2; done; }
wait_health "$PORT"
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
# The page at $1 once its scripts have settled: the DOM in $dom, its <body> tag in $body.
load() {
  dom=$(timeout 90 "$CHROME" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --window-size=1280,900 \
    --virtual-time-budget=20000 --dump-dom "$1" 2> /dev/null)
  body=$(grep -o '<body[^>]*>' <<< "$dom" | head -1)
}
# A screenshot of the page at $1, $2 px wide, to $3.
shot() {
  timeout 90 "$CHROME" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
    --window-size="$2",900 --virtual-time-budget=20000 --screenshot="$3" "$1" > /dev/null 2>&1
}
PLAN_QUERY="day=fri&hours=22-6&cells=12"  # in the page URL each name gets a plan_ prefix
for view in map temporal stats runs plan; do
  url="http://127.0.0.1:$PORT/?basemap=none&feature=kmeans-0&projection=tsne&plan_${PLAN_QUERY//&/&plan_}#$view"
  load "$url"
  echo "$view: $body"
  check "$view ready" '[[ "$body" == *data-ready=\"true\"* ]]'
  check "$view without JavaScript errors" '[[ "$body" == *data-errors=\"0\"* ]]'
  check "$view shows view $view" '[[ "$body" == *data-view=\"$view\"* ]]'
  case $view in
    map)
      check "map tiles loaded" '[[ "$body" =~ data-tiles=\"[1-9] ]]'
      check "map overlays loaded" '[[ "$body" =~ data-overlays=\"[1-9] ]]'
      check "map layer switcher lists layers" 'grep -q "id=\"layer-night\"" <<< "$dom"'
      check "popup shows the markup as text" 'grep -q "&lt;img src=x onerror=document.body.dataset.pwned=1&gt;" <<< "$dom"'
      check "no script from data ran" '[[ "$body" != *data-pwned* ]]'
      check "Gi* layer offered" 'grep -q "id=\"ov-hotspots_gi\"" <<< "$dom"'
      check "no element from data" '! grep -q "<img src=\"x\"" <<< "$dom"' ;;
    temporal) check "temporal patterns shown" 'grep -q "Pattern 0:" <<< "$dom"' ;;
    stats) check "statistics table filled" 'grep -q "THEFT" <<< "$dom"' ;;
    runs) check "runs table filled" 'grep -q "kmeans, dbscan" <<< "$dom"'
      check "runs table shows kinds" 'grep -q "<td>backtest</td>" <<< "$dom"'
      check "t-SNE scatter shown with its trustworthiness" 'grep -q "800 incidents, perplexity 30, trustworthiness 0\.[0-9]" <<< "$dom"'
      check "t-SNE switch pressed" 'grep -q "id=\"proj-tsne\" aria-pressed=\"true\"" <<< "$dom"' ;;
    plan)
      # The areas drawn are /api/plan's: the same features in the same order, every vertex drawn.
      api=$(curl -sf "http://127.0.0.1:$PORT/api/plan?$PLAN_QUERY")
      ids=$(grep -o '"id":"area-[0-9]*"' <<< "$api" | sed 's/"id":"//; s/"//' | paste -sd, -)
      vertices=$(sed 's/"plan":.*//' <<< "$api" | grep -o '\[-\?[0-9.]*,-\?[0-9.]*\]' | wc -l)
      echo "plan: api areas $ids, $vertices vertices"
      check "plan has areas" '[ -n "$ids" ]'
      check "plan areas drawn equal /api/plan" '[[ "$body" == *data-plan-drawn=\"$ids\"* ]]'
      check "plan vertices drawn equal /api/plan" '[[ "$body" == *data-plan-vertices=\"$vertices\"* ]]'
      check "plan evidence shown" 'grep -q "Backtest at this coverage" <<< "$dom"'
      check "stored backtest shown" 'grep -q "Backtest of all incidents" <<< "$dom" && grep -q "prospective KDE" <<< "$dom"'
      check "plan CSV download offered" 'grep -q "href=\"/api/plan.csv?day=fri" <<< "$dom"' ;;
  esac
  for width in 1280 1920; do
    shot "$url" "$width" "$SHOTS/$view-$width.png"
    check "$view screenshot at $width px saved" '[ -s "$SHOTS/$view-$width.png" ]'
  done
  # No table wider than its box unless the box scrolls (the page reports it as data-overflow).
  check "$view cuts nothing off at 1280 px" '[[ "$body" == *data-overflow=\"0\"* ]]'
done
# A filter in the URL: the statistics, the count and the live heat layer all answer it.
FILTER="types=THEFT&hours=22-4&days=fri,sat"
want=$(curl -sf "http://127.0.0.1:$PORT/api/stats?$FILTER" | grep -o '"total":[0-9]*' | head -1 | cut -d: -f2)
for view in stats map; do
  load "http://127.0.0.1:$PORT/?basemap=none&$FILTER#$view"
  echo "filter $view: $body (api total $want)"
  check "filtered $view without JavaScript errors" '[[ "$body" == *data-errors=\"0\"* ]]'
  check "filtered $view count equals /api/stats" '[ -n "$want" ] && [[ "$body" == *data-filter-total=\"$want\"* ]]'
  case $view in
    stats) check "filtered statistics equal /api/stats" '[[ "$body" == *data-stats-total=\"$want\"* ]]' ;;
    map)
      check "filtered map draws live tiles" '[[ "$body" == *data-heat=\"live\"* ]] && [[ "$body" =~ data-tiles=\"[1-9] ]]'
      check "live tile URL carries the filter" 'grep -q "/tiles/live/[0-9]*/[0-9]*/[0-9]*.png?types=THEFT&amp;hours=22-4&amp;days=fri%2Csat" <<< "$dom"' ;;
  esac
done
# Compare mode: filter B (kept in the URL) on a second, synchronised map.
url="http://127.0.0.1:$PORT/?basemap=none&$FILTER&compare=types%3DASSAULT%26days%3Dweekend#map"
load "$url"
echo "compare: $body"
check "compare without JavaScript errors" '[[ "$body" == *data-errors=\"0\"* ]]'
check "compare draws both maps" '[[ "$body" == *data-compare=\"on\"* ]] && [[ "$body" =~ data-tiles-b=\"[1-9] ]] && [[ "$body" =~ data-tiles=\"[1-9] ]]'
check "compare map B carries filter B" 'grep -q "/tiles/live/[0-9]*/[0-9]*/[0-9]*.png?types=ASSAULT&amp;days=weekend" <<< "$dom"'
shot "$url" 1280 "$SHOTS/map-compare-1280.png"
# Two cities in one server: the switcher, each city's own numbers, the side-by-side comparison.
"$BIN" generate --rows 6000 --seed 77 --out s.csv > /dev/null
"$BIN" ingest s.csv --workspace spr.sqlite > /dev/null
PORT2=$((PORT + 1))
"$BIN" serve --port "$PORT2" --web "$WEB" --log-level warning --workspace chicago=workspace.sqlite --tiles chicago=tiles \
  --geojson chicago=geojson --workspace springfield=spr.sqlite > serve2.log 2>&1 &
SERVER2=$!
trap 'kill $SERVER $SERVER2 2>/dev/null; rm -rf "$T"' EXIT
wait_health "$PORT2"
want=$(curl -sf "http://127.0.0.1:$PORT2/c/springfield/api/stats" | grep -o '"total":[0-9]*' | head -1 | cut -d: -f2)
for view in stats cities; do
  url="http://127.0.0.1:$PORT2/?basemap=none&city=springfield#$view"
  load "$url"
  echo "city $view: $body (springfield total $want)"
  check "city $view without JavaScript errors" '[[ "$body" == *data-errors=\"0\"* ]]'
  check "city switcher lists both cities" 'grep -q "<option value=\"springfield\">springfield</option>" <<< "$dom" && grep -q "<option value=\"chicago\">" <<< "$dom"'
  case $view in
    stats) check "city statistics are springfield's" '[ -n "$want" ] && [[ "$body" == *data-stats-total=\"$want\"* ]]' ;;
    cities)
      check "cities compared side by side" '[[ "$body" == *data-cities-compare=\"springfield,chicago\"* ]]'
      check "comparison shows incidents per km²" 'grep -q "incidents per km²" <<< "$dom"'
      shot "$url" 1280 "$SHOTS/cities-1280.png" ;;
  esac
done
echo "browser: $pass passed, $fail failed"
[ "$fail" = 0 ]
