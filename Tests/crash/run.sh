#!/usr/bin/env bash
# Crash safety: kill -9 ingest, tiles, export, ingest --append and tiles --update at random moments, KILLS
# times each (default 50), and check after every kill that the stores written before are still valid
# (SQLite integrity_check = ok, GeoJSON parses; a killed append leaves the workspace with all or none of
# the day's rows) and that no temporary file of a dead process survives the next run.
#   Tests/crash/run.sh                 ROWS=200000 KILLS=50 by default; BIN=… to use another build
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-.build/debug/patroliq}
[ -x "$BIN" ] || swift build --product patroliq > /dev/null
BIN=$(pwd)/$BIN
KILLS=${KILLS:-50}
ROWS=${ROWS:-200000}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
"$BIN" generate --rows "$ROWS" --seed 3 --out d.csv > /dev/null
"$BIN" ingest d.csv > /dev/null
"$BIN" cluster --algorithms kmeans,dbscan --k 5 > /dev/null
"$BIN" tiles --minzoom 10 --maxzoom 14 > /dev/null
"$BIN" export --out gj > /dev/null
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
valid() {
  # What a reader does first: a read-only open heals a journal a killed append left (then SQLite's own
  # check below can open the file read-only too).
  "$BIN" stats > /dev/null 2>&1
  python3 - "$@" << 'PY'
import json, sqlite3, sys, glob
ok = True
for db in ("workspace.sqlite", "tiles/all.mbtiles"):
    r = sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute("PRAGMA integrity_check").fetchone()[0]
    ok &= r == "ok"
for f in glob.glob("gj/*.geojson"):
    json.load(open(f))
sys.exit(0 if ok else 1)
PY
}
# How long each stage takes uninterrupted, to kill it somewhere inside.
ms() { local s=$(date +%s%N); "$@" > /dev/null 2>&1; echo $(( ($(date +%s%N) - s) / 1000000 )); }
declare -A span
span[ingest]=$(ms "$BIN" ingest d.csv)
"$BIN" cluster --algorithms kmeans,dbscan --k 5 > /dev/null  # a new workspace holds no runs
span[tiles]=$(ms "$BIN" tiles --minzoom 10 --maxzoom 14)
span[export]=$(ms "$BIN" export --out gj)
# A day's file: the last 2 000 rows with new IDs. Each append kill starts from the same workspace.
{ head -1 d.csv; tail -n 2000 d.csv | awk -F, 'BEGIN { OFS = "," } { $1 = "9" $1; print }'; } > day.csv
rows() { python3 -c "import sqlite3; print(sqlite3.connect('file:workspace.sqlite?mode=ro', uri=True).execute(\"SELECT sum(rows) FROM incident_chunks WHERE name='time'\").fetchone()[0])"; }
cp workspace.sqlite base.sqlite
before=$(rows)
span[append]=$(ms "$BIN" ingest day.csv --append)
after=$(rows)
cp -r tiles tiles-base  # made before the append: each update kill starts from them
span[update]=$(ms "$BIN" tiles --update)
for stage in ingest tiles export append update; do
  case $stage in
    ingest) cmd=("$BIN" ingest d.csv) ;;
    tiles) cmd=("$BIN" tiles --minzoom 10 --maxzoom 14) ;;
    export) cmd=("$BIN" export --out gj) ;;
    append) cmd=("$BIN" ingest day.csv --append) ;;
    update) cmd=("$BIN" tiles --update) ;;
  esac
  killed=0
  for i in $(seq "$KILLS"); do
    [ "$stage" = append ] && cp base.sqlite workspace.sqlite
    [ "$stage" = update ] && { rm -rf tiles; cp -r tiles-base tiles; }
    "${cmd[@]}" > /dev/null 2>&1 &
    pid=$!
    sleep "$(awk -v m="${span[$stage]}" -v r="$RANDOM" 'BEGIN { printf "%.3f", m * (r / 32768) / 1000 }')"
    kill -9 "$pid" 2> /dev/null && killed=$((killed + 1))
    wait "$pid" 2> /dev/null
    valid || { fail=$((fail + 1)); echo "FAIL: $stage kill $i left an invalid store"; }
    if [ "$stage" = append ]; then
      n=$(rows)
      [ "$n" = "$before" ] || [ "$n" = "$after" ] || { fail=$((fail + 1)); echo "FAIL: append kill $i left $n rows (not $before or $after)"; }
    fi
  done
  # A rerun succeeds and removes what the killed runs left behind.
  check "$stage reruns after $killed kills" '"${cmd[@]}" > /dev/null 2>&1'
  left=$(find . -name "*.tmp-*" | wc -l)
  check "$stage leaves no temporary files ($left)" '[ "$left" = 0 ]'
  check "$stage stores valid" valid
  [ "$stage" = ingest ] && "$BIN" cluster --algorithms kmeans,dbscan --k 5 > /dev/null
  echo "crash: $stage killed $killed of $KILLS times (uninterrupted ${span[$stage]} ms)"
done
pass=$((pass + 5 * KILLS - fail))
echo "crash: $pass passed, $fail failed"
[ "$fail" = 0 ]
