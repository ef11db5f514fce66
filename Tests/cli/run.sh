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
expect 2 "min-cluster-size must be at least 2" -- "$BIN" cluster --workspace "$T/ws.sqlite" --algorithms hdbscan --min-cluster-size 1
expect 2 "hdbscan-sample must be at least 100" -- "$BIN" cluster --workspace "$T/ws.sqlite" --algorithms hdbscan --hdbscan-sample 5
expect 2 "no cluster runs" -- "$BIN" assignments --workspace "$T/ws.sqlite" --out "$T/l.csv"
expect 0 "wrote run 1" -- "$BIN" cluster --workspace "$T/ws.sqlite" --algorithms kmeans,dbscan --k 5
expect 2 "no run 7" -- "$BIN" runs show 7 --workspace "$T/ws.sqlite"
expect 0 "wrote .*l.csv: [0-9]+ incidents, labels dbscan, kmeans" -- "$BIN" assignments --workspace "$T/ws.sqlite" --out "$T/l.csv"
expect 0 "^ID,Latitude,Longitude,dbscan_label,kmeans_label" -- head -1 "$T/l.csv"
expect 2 "tracking-uri must be an http" -- "$BIN" runs export-mlflow --workspace "$T/ws.sqlite" --tracking-uri nowhere
expect 1 "MLflow at http://127.0.0.1:9: cannot connect" -- timeout 10 "$BIN" runs export-mlflow --workspace "$T/ws.sqlite" --tracking-uri http://127.0.0.1:9

expect 2 "zoom levels must be within 0–22" -- "$BIN" tiles --workspace "$T/ws.sqlite" --maxzoom 23
expect 2 "minzoom 12 is above --maxzoom 10" -- "$BIN" tiles --workspace "$T/ws.sqlite" --minzoom 12 --maxzoom 10
expect 2 "unknown layer 'nope'" -- "$BIN" tiles --workspace "$T/ws.sqlite" --layer nope
expect 2 "no workspace here" -- "$BIN" tiles --workspace "$T/none.sqlite"
expect 2 "does not exist or is not writable" -- "$BIN" tiles --workspace "$T/ws.sqlite" --out "$T/no/dir/x.mbtiles" --maxzoom 10
expect 0 "wrote .*all.mbtiles: [0-9]+ tiles" -- "$BIN" tiles --workspace "$T/ws.sqlite" --minzoom 10 --maxzoom 12 --dir "$T/tiles"
expect 0 "wrote [0-9]+ tiles" -- "$BIN" tiles export-dir --mbtiles "$T/tiles/all.mbtiles" --out "$T/static"
expect 2 "not an MBTiles file" -- "$BIN" tiles export-dir --mbtiles "$T/ws.sqlite" --out "$T/static2"
expect 0 "wrote .*all.pmtiles: [0-9]+ tiles \([0-9]+ entries, [0-9]+ distinct, 0 leaf directories\)" -- "$BIN" tiles export-pmtiles --mbtiles "$T/tiles/all.mbtiles" --out "$T/all.pmtiles"
expect 0 "^PMTiles" -- head -c 7 "$T/all.pmtiles"
expect 2 "not an MBTiles file" -- "$BIN" tiles export-pmtiles --mbtiles "$T/ws.sqlite" --out "$T/x.pmtiles"

expect 2 "no cluster run 9" -- "$BIN" export --workspace "$T/ws.sqlite" --run 9 --out "$T/gj"
expect 2 "levels must be shares" -- "$BIN" export --workspace "$T/ws.sqlite" --levels 5 --out "$T/gj"
touch "$T/afile"
expect 2 "exists and is not a directory" -- "$BIN" export --workspace "$T/ws.sqlite" --out "$T/afile"
expect 0 "wrote .*patroliq.gpkg: [0-9]+ features" -- "$BIN" export --workspace "$T/ws.sqlite" --out "$T/gj" --gpkg "$T/gj/patroliq.gpkg"
"$BIN" ingest "$T/d.csv" --workspace "$T/fresh.sqlite" > /dev/null
expect 2 "no cluster runs" -- "$BIN" export --workspace "$T/fresh.sqlite" --out "$T/gj2"
if command -v ogrinfo > /dev/null; then
  for f in "$T"/gj/*.geojson; do expect 0 "Feature Count: [0-9]+" -- ogrinfo -al -so "$f"; done
  expect 0 "centroids \(Point\)" -- ogrinfo -so "$T/gj/patroliq.gpkg"
elif [ "${CI:-}" = true ]; then
  fail=$((fail + 1)); echo "FAIL: ogrinfo is missing in CI (install gdal-bin)"
else
  echo "cli: ogrinfo checks skipped (apt-get install gdal-bin)"
fi

# Any city's layout; boxes of four numbers only; (0, 0) is no place.
printf 'CrimeDate,CrimeTime,Description,Latitude,Longitude\n01/05/2020,15:30:00,ASSAULT,39.29,-76.61\n01/06/2020,0930,LARCENY,39.29,-76.61\n01/07/2020,7:05 PM,BURGLARY,0,0\n' > "$T/city.csv"
expect 0 "2 kept" -- "$BIN" ingest "$T/city.csv" --workspace "$T/city.sqlite"
expect 0 "coordinates \(0, 0\): place unknown: 1" -- "$BIN" ingest "$T/city.csv" --workspace "$T/city.sqlite"
expect 2 "extent must be minLon,minLat,maxLon,maxLat" -- "$BIN" ingest "$T/city.csv" --workspace "$T/city.sqlite" --extent 1,x,2,3
printf 'id,when,latitude,longitude\n1,18.03.2015 22:45,41.88,-87.63\n' > "$T/dotted.csv"
expect 2 "dotted.csv:2: field 'when': no row's date could be read.*18.03.2015 22:45.*--time-format" -- "$BIN" ingest "$T/dotted.csv" --workspace "$T/d.sqlite" --map time=when
# A killed run's temporary file is removed by the next run; a live process's is not.
head -c 1000 /dev/zero > "$T/ws.sqlite.tmp-999999"
head -c 1000 /dev/zero > "$T/ws.sqlite.tmp-1"
"$BIN" ingest "$T/d.csv" --workspace "$T/ws.sqlite" > /dev/null
expect 0 "gone" -- bash -c "[ ! -e '$T/ws.sqlite.tmp-999999' ] && [ -e '$T/ws.sqlite.tmp-1' ] && echo gone"

# Runtime failures (a full disk) exit 1, bad input 2.
mkdir -p "$T/tiny"
if mount -t tmpfs -o size=64k tmpfs "$T/tiny" 2> /dev/null; then
  expect 1 "write failed: No space left on device" -- "$BIN" generate --rows 20000 --out "$T/tiny/d.csv"
  expect 1 "full|No space" -- "$BIN" ingest "$T/d.csv" --workspace "$T/tiny/ws.sqlite"
  umount "$T/tiny"
else
  echo "cli: full-disk checks skipped (cannot mount a tmpfs here)"
fi

# Where to patrol next: hotspots, backtest, plan; stored as runs of their own kind.
expect 0 "hotspots_gi.mbtiles \([0-9]+ tiles\).*distance band 1.5 cells.*stored as run [0-9]+" -- "$BIN" hotspots --workspace "$T/ws.sqlite" --out "$T/gj" --tiles "$T/tiles"
expect 0 "8 nearest cells" -- "$BIN" hotspots --workspace "$T/ws.sqlite" --out "$T/gj" --weights knn --k 8 --no-tiles --no-store
expect 2 "weights must be band or knn" -- "$BIN" hotspots --workspace "$T/ws.sqlite" --weights queen
expect 2 "hours: '4-4' is not START-END" -- "$BIN" hotspots --workspace "$T/ws.sqlite" --hours 4-4
expect 0 "backtest: [0-9]+ folds of 28 \+ 7 days.*stored as run [0-9]+" -- "$BIN" backtest --workspace "$T/ws.sqlite"
expect 0 "prospective_kde" -- "$BIN" runs show --workspace "$T/ws.sqlite"
expect 0 "backtest .*best at 5%" -- "$BIN" runs list --workspace "$T/ws.sqlite"
expect 0 "kind +hotspots +backtest" -- "$BIN" runs compare 1 2 --workspace "$T/ws.sqlite"
expect 2 "no cluster runs" -- "$BIN" export --workspace "$T/ws.sqlite" --run 2 --out "$T/gj3"
expect 2 "coverage: '0' is not a list of percentages" -- "$BIN" backtest --workspace "$T/ws.sqlite" --coverage 0
expect 2 "unknown method 'tarot'" -- "$BIN" backtest --workspace "$T/ws.sqlite" --methods kde,tarot
expect 2 "no incidents of type NOPE" -- "$BIN" backtest --workspace "$T/ws.sqlite" --types NOPE
expect 0 "wrote .*plan.geojson and .*plan.csv: [0-9]+ areas of 10 cells.*backtested PAI" -- "$BIN" plan --workspace "$T/ws.sqlite" --day fri --hours 18-6 --cells 10 --geojson "$T/plan.geojson" --csv "$T/plan.csv"
expect 0 "^rank,top_block,centre_latitude" -- head -1 "$T/plan.csv"
expect 0 "by kde; " -- "$BIN" plan --workspace "$T/ws.sqlite" --method kde --geojson "$T/plan2.geojson" --csv "$T/plan2.csv"
expect 2 "hours: '25-3'" -- "$BIN" plan --workspace "$T/ws.sqlite" --hours 25-3
expect 2 "days: 'someday' is not a weekday" -- "$BIN" plan --workspace "$T/ws.sqlite" --day someday
expect 2 "cells: '0' is not a cell count" -- "$BIN" plan --workspace "$T/ws.sqlite" --cells 0
expect 2 "no incidents of type NOPE" -- "$BIN" plan --workspace "$T/ws.sqlite" --types NOPE
# A shift nobody worked in is an error, not an empty plan presented as one.
printf 'ID,Date,Primary Type,Latitude,Longitude\n' > "$T/fridays.csv"
for i in $(seq 10 49); do printf '%s,01/05/2024 11:%s:00 PM,THEFT,41.88%s,-87.63%s\n' "$i" "$i" "$i" "$i" >> "$T/fridays.csv"; done
"$BIN" ingest "$T/fridays.csv" --workspace "$T/fridays.sqlite" > /dev/null
expect 2 "no incidents match the shift and types" -- "$BIN" plan --workspace "$T/fridays.sqlite" --day mon --geojson "$T/p3.geojson" --csv "$T/p3.csv"
expect 0 "absent" -- bash -c "[ ! -e '$T/p3.geojson' ] && echo absent"
expect 2 "no fold has 30 incidents to learn from and 5 to predict" -- "$BIN" backtest --workspace "$T/fridays.sqlite"
if command -v ogrinfo > /dev/null; then
  expect 0 "Feature Count: [1-9]" -- ogrinfo -al -so "$T/plan.geojson"
  expect 0 "Geometry: Polygon" -- ogrinfo -al -so "$T/plan.geojson"
fi

# One filter syntax: --filter name=value pairs on stats and tiles, errors naming the parameter.
expect 0 "filter: types=THEFT&hours=0,1,2,3,22,23&shift_start=22" -- "$BIN" stats --workspace "$T/ws.sqlite" --filter "types=THEFT&hours=22-4"
expect 2 "colour: is not a filter" -- "$BIN" stats --workspace "$T/ws.sqlite" --filter "colour=red"
expect 2 "months: '13' is not a month" -- "$BIN" stats --workspace "$T/ws.sqlite" --filter "months=13"
expect 2 "field 'types': no incidents of type NOPE" -- "$BIN" stats --workspace "$T/ws.sqlite" --types NOPE
expect 0 "wrote .*all-filtered.mbtiles: [0-9]+ tiles" -- "$BIN" tiles --workspace "$T/ws.sqlite" --filter "days=weekend&arrest=false" --minzoom 10 --maxzoom 11 --dir "$T/tiles"
expect 2 "arrest: 'maybe' is not true or false" -- "$BIN" tiles --workspace "$T/ws.sqlite" --filter "arrest=maybe"

# Users for serve --users: hashes only in the file, bad names refused.
expect 0 "wrote .*users.txt: user ana" -- bash -c "echo 'correct horse battery' | '$BIN' users add ana --file '$T/users.txt' --cost 4"
expect 0 "^piq_[0-9a-f]{64}$" -- bash -c "'$BIN' users token maps --file '$T/users.txt' 2> /dev/null"
expect 0 "^user ana [$]2" -- grep "^user" "$T/users.txt"
expect 1 "" -- grep -q "correct horse" "$T/users.txt"
expect 2 "names are 1–64" -- "$BIN" users add "a b" --file "$T/users.txt"
expect 2 "public-url must be" -- "$BIN" serve --public-url "javascript:alert(1)"
printf 'user ana nothash\n' > "$T/bad-users.txt"
expect 2 "bad-users.txt:1: the password of 'ana' is not a bcrypt hash" -- "$BIN" serve --users "$T/bad-users.txt" --port 1

expect 2 "port must be within" -- "$BIN" serve --port 0
expect 2 "names are 1–32 lowercase" -- "$BIN" serve --workspace "New York=ny.sqlite"
expect 2 "name every workspace" -- "$BIN" serve --workspace a=a.sqlite --workspace b.sqlite
expect 2 "no --workspace c=PATH" -- "$BIN" serve --workspace a=a.sqlite --tiles c=tiles
expect 2 "empty-tile must be" -- "$BIN" serve --empty-tile 404
expect 2 "log-level must be" -- "$BIN" serve --log-level loud

# HDBSCAN on a sample smaller than the workspace: every incident labelled, the approximation named.
expect 0 "hdbscan: [0-9]+ dense zones.*on a sample of 500" -- "$BIN" cluster --workspace "$T/ws.sqlite" --algorithms hdbscan --hdbscan-sample 500 --min-cluster-size 20
expect 0 "labels hdbscan" -- "$BIN" assignments --workspace "$T/ws.sqlite" --out "$T/h.csv"

# A day's update: append, then tiles --update equal to a full render.
head -1 "$T/d.csv" > "$T/day.csv"; tail -n 300 "$T/d.csv" | sed 's/,THEFT,/,ROBBERY,/' >> "$T/day.csv"
sed -n 2,21p "$T/d.csv" | awk -F, 'BEGIN { OFS = "," } { $1 = "9" $1; print }' >> "$T/day.csv"  # 20 new IDs
expect 2 "drop --recent and --extent" -- "$BIN" ingest "$T/day.csv" --append --recent 10 --workspace "$T/ws.sqlite"
expect 2 "no workspace here" -- "$BIN" ingest "$T/day.csv" --append --workspace "$T/none.sqlite"
expect 0 "appended day.csv to .*: 320 rows read, [1-9][0-9]? new incidents, [1-9][0-9]* updates" -- "$BIN" ingest "$T/day.csv" --append --workspace "$T/ws.sqlite"
expect 0 "updated .*all.mbtiles: [0-9]+ tiles rendered again" -- "$BIN" tiles --update --workspace "$T/ws.sqlite" --dir "$T/tiles"
expect 0 "all.mbtiles: current" -- "$BIN" tiles --update --workspace "$T/ws.sqlite" --dir "$T/tiles"
# A store from another renderer version (other PNG bytes for the same pixels) is rendered whole.
python3 -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute("UPDATE metadata SET value = replace(value, ?, ?) WHERE name = ?", ("\"renderer\":", "\"renderer\":1", "json")); db.commit()' "$T/tiles/all.mbtiles"
expect 0 "rendered .*all.mbtiles again whole \(made by another version of the renderer\)" -- "$BIN" tiles --update --workspace "$T/ws.sqlite" --dir "$T/tiles"
expect 0 "all.mbtiles: current" -- "$BIN" tiles --update --workspace "$T/ws.sqlite" --dir "$T/tiles"
# So is one whose tiles another libdeflate version compressed.
python3 -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute("UPDATE metadata SET value = replace(value, ?, ?) WHERE name = ?", ("\"deflate\":\"libdeflate ", "\"deflate\":\"libdeflate 0", "json")); db.commit()' "$T/tiles/all.mbtiles"
expect 0 "rendered .*all.mbtiles again whole \(made by another version of the renderer\)" -- "$BIN" tiles --update --workspace "$T/ws.sqlite" --dir "$T/tiles"
expect 0 "all.mbtiles: current" -- "$BIN" tiles --update --workspace "$T/ws.sqlite" --dir "$T/tiles"
expect 2 "drop --layer, --out and filters" -- "$BIN" tiles --update --workspace "$T/ws.sqlite" --dir "$T/tiles" --layer all
expect 2 "no .mbtiles stores to update" -- "$BIN" tiles --update --workspace "$T/ws.sqlite" --dir "$T/static"
expect 2 "labels [0-9]+ incidents .* \\(appended since" -- "$BIN" export --workspace "$T/ws.sqlite" --out "$T/gj-stale"

# Street zooms at 1x and @2x, where only the part of a stored tile within the changes' reach is cut
# again: one more incident (the colour caps stay), then the updated stores equal full renders.
expect 0 "wrote .*all.mbtiles" -- "$BIN" tiles --workspace "$T/ws.sqlite" --minzoom 12 --maxzoom 16 --dir "$T/street"
expect 0 "wrote .*all@2x.mbtiles" -- "$BIN" tiles --workspace "$T/ws.sqlite" --minzoom 12 --maxzoom 15 --scale 2 --dir "$T/street"
{ head -1 "$T/d.csv"; sed -n 40p "$T/d.csv" | awk -F, 'BEGIN { OFS = "," } { $1 = "8" $1; print }'; } > "$T/day1.csv"
expect 0 "1 new incidents" -- "$BIN" ingest "$T/day1.csv" --append --workspace "$T/ws.sqlite"
expect 0 "updated .*all.mbtiles: [1-9][0-9]* tiles rendered again near 1 changed places \([0-9]+ changed, [0-9]+ unchanged, 0 cleared\), [0-9.]+ s$" -- bash -c 'set -o pipefail; "$0" tiles --update --workspace "$1" --dir "$2" | tee "$3"' "$BIN" "$T/ws.sqlite" "$T/street" "$T/street-update.txt"
# The summary's changed tiles are the stores' own, added up.
expect 0 "^changed tiles add up$" -- python3 -c 'import re, sys
t = open(sys.argv[1]).read()
per = sum(int(n) for n in re.findall(r"\((\d+) changed, ", t))
total = re.search(r"; \d+ tiles rendered \((\d+) changed\) in ", t)
print("changed tiles add up" if total and per > 0 and int(total.group(1)) == per else f"{per} against {total and total.group(1)}")' "$T/street-update.txt"
"$BIN" tiles --workspace "$T/ws.sqlite" --minzoom 12 --maxzoom 16 --dir "$T/street-full" > /dev/null
"$BIN" tiles --workspace "$T/ws.sqlite" --minzoom 12 --maxzoom 15 --scale 2 --dir "$T/street-full" > /dev/null
same_stores='import sqlite3, sys
q = "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles ORDER BY 1, 2, 3"
for name in ("all.mbtiles", "all@2x.mbtiles"):
    a = sqlite3.connect(sys.argv[1] + "/" + name).execute(q).fetchall()
    b = sqlite3.connect(sys.argv[2] + "/" + name).execute(q).fetchall()
    print(name, "equal" if a == b and a else "differ", len(a), end=" ")'
expect 0 "all.mbtiles equal [1-9][0-9]*.*all@2x.mbtiles equal [1-9]" -- python3 -c "$same_stores" "$T/street" "$T/street-full"

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
