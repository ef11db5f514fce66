#!/usr/bin/env bash
# The whole history end to end: ingest → cluster (default algorithms) → tiles (standard layers, z8–16) →
# export on ROWS generated rows (8 000 000 by default), each stage's wall time and peak RSS, then one
# day's update (APPEND_ROWS new incidents with some re-sent IDs): ingest --append + tiles --update, its
# share of the full rebuild, and the floor under any byte-identical update. Targets: ≤ 45 s in total,
# ≤ 1 GiB per stage, update ≤ 5 %.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
OUT=${OUT:-bench/out/e2e}
ROWS=${ROWS:-8000000}
APPEND_ROWS=${APPEND_ROWS:-800}
CSV=${CSV:-bench/out/demo${ROWS}.csv}
mkdir -p "$OUT"
[ -f "$CSV" ] || "$BIN" generate --rows "$ROWS" --seed 42 --out "$CSV"
rm -rf "$OUT/tiles" "$OUT/geojson" "$OUT/ws.sqlite" "$OUT/ws.sqlite.previous"
total=0
stage() {
  local name=$1; shift
  /usr/bin/time -f '%e %M' -o "$OUT/t.txt" "$@" > "$OUT/$name.log" 2>&1 || { cat "$OUT/$name.log"; exit 1; }
  read -r s kb < "$OUT/t.txt"
  total=$(python3 -c "print(round($total + $s, 2))")
  # The command's own summary line (an append's report follows it).
  local summary
  summary=$(grep -E '^(wrote|appended|exported|tiles)' "$OUT/$name.log" | tail -1 | cut -c1-110)
  printf '%-8s %7.2f s  %6d MiB  %s\n' "$name" "$s" $((kb / 1024)) "$summary"
  record "$ROWS rows end to end: $name" - "$s" "$kb" "$summary"
}
echo "$ROWS rows from $CSV"
stage ingest "$BIN" ingest "$CSV" --workspace "$OUT/ws.sqlite"
stage cluster "$BIN" cluster --workspace "$OUT/ws.sqlite"
stage tiles "$BIN" tiles --workspace "$OUT/ws.sqlite" --layer standard --minzoom 8 --maxzoom 16 --dir "$OUT/tiles"
stage export "$BIN" export --workspace "$OUT/ws.sqlite" --out "$OUT/geojson"
full=$total
echo "total    $total s (target ≤ 45 s; every stage ≤ 1024 MiB)"
record "$ROWS rows end to end: total" - "$total" - "target ≤ 45 s, each stage ≤ 1 GiB"

# One day's update: APPEND_ROWS rows in the portal's format, most with new IDs, one in 40 re-sent with
# other content (an update of an incident the history holds).
"$BIN" generate --rows "$APPEND_ROWS" --seed 7 --out "$OUT/day-source.csv" > /dev/null
{ head -1 "$OUT/day-source.csv"
  tail -n +2 "$OUT/day-source.csv" | awk -F, 'BEGIN { OFS = "," } NR % 40 == 0 { print; next } { $1 = "9" $1; print }'
} > "$OUT/day.csv"
rm -rf "$OUT/tiles.before" && cp -r "$OUT/tiles" "$OUT/tiles.before"
total=0
stage append "$BIN" ingest "$OUT/day.csv" --append --workspace "$OUT/ws.sqlite"
appended=$total
stage update "$BIN" tiles --update --workspace "$OUT/ws.sqlite" --dir "$OUT/tiles"
share=$(python3 -c "print(round(100 * $total / $full, 1))")
echo "daily update $total s = $share % of the full rebuild (target ≤ 5 %)"
record "one day ($APPEND_ROWS rows) onto $ROWS: append + tiles --update" "$full" "$total" - "$share % of the full rebuild (target ≤ 5 %)"

# The floor under any byte-identical update: the append plus deflating again, from scratch, the tiles
# whose bytes changed (bench/update_floor.py checks it re-creates each one's stored data exactly).
read -r changed deflate < <(python3 bench/update_floor.py "$OUT/tiles.before" "$OUT/tiles")
floor=$(python3 -c "print(round($appended + $deflate, 2))")
floor_share=$(python3 -c "print(round(100 * $floor / $full, 1))")
echo "floor    append $appended s + deflating the $changed changed tiles again $deflate s = $floor s = $floor_share % of the full rebuild"
record "the least any byte-identical day's update does: append + deflating the $changed changed tiles" "$full" "$floor" - "$floor_share % of the full rebuild"
rm -rf "$OUT/tiles.before"
