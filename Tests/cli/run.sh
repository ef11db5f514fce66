#!/usr/bin/env bash
# Command-line checks: bad input gets one clear line and exit code 2, never a crash; summaries on stdout.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-.build/debug/patroliq}
[ -x "$BIN" ] || swift build --product patroliq > /dev/null
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0

# expect CODE PATTERN -- command...: exit code and a stderr/stdout line matching PATTERN.
expect() {
  local code=$1 pattern=$2; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" = "$code" ] && grep -qE -- "$pattern" <<< "$out"; then pass=$((pass + 1))
  else fail=$((fail + 1)); echo "FAIL: $* → exit $rc (want $code), output: $(head -c 400 <<< "$out")"; fi
  if grep -qE "Fatal error|Stack dump|Segmentation" <<< "$out"; then fail=$((fail + 1)); echo "CRASH: $*"; fi
}

printf 'ID,Date,Latitude,Longitude\n' > "$T/empty_rows.csv"
printf '' > "$T/empty.csv"
printf 'A,B\n1,2\n' > "$T/nocoords.csv"
head -c 2000 /dev/urandom > "$T/binary.csv"; printf '\0' >> "$T/binary.csv"
expect 2 "no such file" -- "$BIN" ingest "$T/missing.csv" --workspace "$T/ws.sqlite"
expect 2 "empty file" -- "$BIN" ingest "$T/empty.csv" --workspace "$T/ws.sqlite"
expect 2 "binary data" -- "$BIN" ingest "$T/binary.csv" --workspace "$T/ws.sqlite"
expect 2 "nocoords.csv:1: field 'latitude'" -- "$BIN" ingest "$T/nocoords.csv" --workspace "$T/ws.sqlite"
expect 2 "field 'Lat'.*no such column" -- "$BIN" ingest "$T/nocoords.csv" --map latitude=Lat,longitude=B,time=A --workspace "$T/ws.sqlite"
expect 2 "unknown field 'colour'" -- "$BIN" ingest "$T/nocoords.csv" --map colour=A --workspace "$T/ws.sqlite"
expect 2 "no valid coordinates in the first 0 rows" -- "$BIN" ingest "$T/empty_rows.csv" --workspace "$T/ws.sqlite"
expect 2 "recent must be positive" -- "$BIN" ingest "$T/empty_rows.csv" --recent 0
expect 2 "no workspace here" -- "$BIN" stats --workspace "$T/none.sqlite"
expect 2 "no workspace here" -- "$BIN" cluster --workspace "$T/none.sqlite"
"$BIN" generate --rows 3000 --seed 5 --out "$T/d.csv" > /dev/null
expect 0 "wrote .*ws.sqlite: [0-9]+ incidents" -- "$BIN" ingest "$T/d.csv" --workspace "$T/ws.sqlite"
expect 0 "incidents, 20" -- "$BIN" stats --workspace "$T/ws.sqlite"
expect 2 "eps must be positive" -- "$BIN" cluster --workspace "$T/ws.sqlite" --eps 0
expect 2 "unknown algorithm 'magic'" -- "$BIN" cluster --workspace "$T/ws.sqlite" --algorithms kmeans,magic
expect 2 "too few to cluster" -- "$BIN" cluster --workspace "$T/ws.sqlite" --k 5000
expect 2 "no cluster runs" -- "$BIN" assignments --workspace "$T/ws.sqlite" --out "$T/l.csv"
expect 0 "wrote run 1" -- "$BIN" cluster --workspace "$T/ws.sqlite" --algorithms kmeans,dbscan --k 5
expect 2 "no run 7" -- "$BIN" runs show 7 --workspace "$T/ws.sqlite"
expect 0 "wrote .*l.csv: [0-9]+ incidents, labels dbscan, kmeans" -- "$BIN" assignments --workspace "$T/ws.sqlite" --out "$T/l.csv"
expect 0 "^ID,Latitude,Longitude,dbscan_label,kmeans_label" -- head -1 "$T/l.csv"
expect 2 "tracking-uri must be an http" -- "$BIN" runs export-mlflow --workspace "$T/ws.sqlite" --tracking-uri nowhere
expect 1 "MLflow at http://127.0.0.1:9" -- "$BIN" runs export-mlflow --workspace "$T/ws.sqlite" --tracking-uri http://127.0.0.1:9

expect 2 "zoom levels must be within 0–22" -- "$BIN" tiles --workspace "$T/ws.sqlite" --maxzoom 23
expect 2 "minzoom 12 is above --maxzoom 10" -- "$BIN" tiles --workspace "$T/ws.sqlite" --minzoom 12 --maxzoom 10
expect 2 "unknown layer 'nope'" -- "$BIN" tiles --workspace "$T/ws.sqlite" --layer nope
expect 2 "no workspace here" -- "$BIN" tiles --workspace "$T/none.sqlite"
expect 2 "does not exist or is not writable" -- "$BIN" tiles --workspace "$T/ws.sqlite" --out "$T/no/dir/x.mbtiles" --maxzoom 10
expect 0 "wrote .*all.mbtiles: [0-9]+ tiles" -- "$BIN" tiles --workspace "$T/ws.sqlite" --minzoom 10 --maxzoom 12 --dir "$T/tiles"
expect 0 "wrote [0-9]+ tiles" -- "$BIN" tiles export-dir --mbtiles "$T/tiles/all.mbtiles" --out "$T/static"
expect 2 "not an MBTiles file" -- "$BIN" tiles export-dir --mbtiles "$T/ws.sqlite" --out "$T/static2"

expect 2 "no run 9" -- "$BIN" export --workspace "$T/ws.sqlite" --run 9 --out "$T/gj"
expect 2 "levels must be shares" -- "$BIN" export --workspace "$T/ws.sqlite" --levels 5 --out "$T/gj"
touch "$T/afile"
expect 2 "exists and is not a directory" -- "$BIN" export --workspace "$T/ws.sqlite" --out "$T/afile"
expect 0 "wrote .*patroliq.gpkg: [0-9]+ features" -- "$BIN" export --workspace "$T/ws.sqlite" --out "$T/gj" --gpkg "$T/gj/patroliq.gpkg"
"$BIN" ingest "$T/d.csv" --workspace "$T/fresh.sqlite" > /dev/null
expect 2 "no cluster runs" -- "$BIN" export --workspace "$T/fresh.sqlite" --out "$T/gj2"
if command -v ogrinfo > /dev/null; then
  for f in "$T"/gj/*.geojson; do expect 0 "Feature Count: [0-9]+" -- ogrinfo -al -so "$f"; done
  expect 0 "centroids \(Point\)" -- ogrinfo -so "$T/gj/patroliq.gpkg"
fi

expect 2 "port must be within" -- "$BIN" serve --port 0
expect 2 "empty-tile must be" -- "$BIN" serve --empty-tile 404
expect 2 "log-level must be" -- "$BIN" serve --log-level loud

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
