#!/usr/bin/env bash
# The whole history end to end: ingest → cluster (default algorithms) → tiles (standard layers, z8–16) →
# export on ROWS generated rows (8 000 000 by default), each stage's wall time and peak RSS, then one
# day's update (APPEND_ROWS new incidents with some re-sent IDs): ingest --append + tiles --update, and
# the update's share of the full rebuild. Targets: ≤ 45 s in total, ≤ 1 GiB per stage, update ≤ 5 %.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/patroliq
OUT=${OUT:-bench/out/e2e}
ROWS=${ROWS:-8000000}
APPEND_ROWS=${APPEND_ROWS:-800}
CSV=${CSV:-bench/out/demo${ROWS}.csv}
mkdir -p "$OUT"
[ -x "$BIN" ] || swift build -c release --static-swift-stdlib --product patroliq
[ -f "$CSV" ] || "$BIN" generate --rows "$ROWS" --seed 42 --out "$CSV"
rm -rf "$OUT/tiles" "$OUT/geojson" "$OUT/ws.sqlite" "$OUT/ws.sqlite.previous"
total=0
stage() {
  local name=$1; shift
  /usr/bin/time -f '%e %M' -o "$OUT/t.txt" "$@" > "$OUT/$name.log" 2>&1 || { cat "$OUT/$name.log"; exit 1; }
  read -r s kb < "$OUT/t.txt"
  total=$(python3 -c "print(round($total + $s, 2))")
  printf '%-8s %7.2f s  %6d MiB  %s\n' "$name" "$s" $((kb / 1024)) "$(tail -1 "$OUT/$name.log" | cut -c1-110)"
  echo "RESULT e2e.$name $s $kb" >> "$OUT/results.txt"
}
: > "$OUT/results.txt"
echo "$ROWS rows from $CSV"
stage ingest "$BIN" ingest "$CSV" --workspace "$OUT/ws.sqlite"
stage cluster "$BIN" cluster --workspace "$OUT/ws.sqlite"
stage tiles "$BIN" tiles --workspace "$OUT/ws.sqlite" --layer standard --minzoom 8 --maxzoom 16 --dir "$OUT/tiles"
stage export "$BIN" export --workspace "$OUT/ws.sqlite" --out "$OUT/geojson"
echo "total    $total s (target ≤ 45 s; every stage ≤ 1024 MiB)"
echo "RESULT e2e.total $total 0" >> "$OUT/results.txt"
