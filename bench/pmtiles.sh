#!/usr/bin/env bash
# PMTiles export checked by the reference reader: `patroliq tiles export-pmtiles` on the demo's heat tiles
# (z8–16) and on a synthetic store of 30 000 scattered tiles (which needs leaf directories); every tile is
# read back through PyPI's `pmtiles` reader and compared byte for byte with the MBTiles tile, and the
# metadata (name, bounds, the legend) and header zooms are compared. Installs pmtiles into bench/.venv.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
OUT=bench/out/pmtiles
mkdir -p "$OUT"
peer_venv bench/.venv pmtiles pmtiles
PY=bench/.venv/bin/python
CSV=${CSV:-bench/out/demo500k.csv}
[ -f "$CSV" ] || "$BIN" generate --rows 500000 --seed 42 --out "$CSV" > /dev/null
[ -f "$OUT/ws.sqlite" ] || "$BIN" ingest "$CSV" --workspace "$OUT/ws.sqlite" > /dev/null
"$BIN" tiles --workspace "$OUT/ws.sqlite" --minzoom 8 --maxzoom 16 --out "$OUT/all.mbtiles" > /dev/null
$PY - "$OUT/many.mbtiles" << 'PY'
import os, random, sqlite3, sys
path = sys.argv[1]
if os.path.exists(path): os.remove(path)
db = sqlite3.connect(path)
db.executescript("CREATE TABLE metadata(name TEXT, value TEXT); CREATE TABLE tiles(zoom_level INT, tile_column INT, tile_row INT, tile_data BLOB);")
random.seed(4)
cells = random.sample(range(4096 * 4096), 30000)
db.executemany("INSERT INTO tiles VALUES(12,?,?,?)", [(p % 4096, p // 4096, f"tile {p} {'x' * random.randrange(300)}".encode()) for p in cells])
db.executemany("INSERT INTO metadata VALUES(?,?)", [("name", "many"), ("format", "png"), ("minzoom", "12"), ("maxzoom", "12")])
db.commit()
PY
for name in all many; do
  t0=$(date +%s%N)
  "$BIN" tiles export-pmtiles --mbtiles "$OUT/$name.mbtiles" --out "$OUT/$name.pmtiles"
  echo "  ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
  $PY - "$OUT/$name.mbtiles" "$OUT/$name.pmtiles" << 'PY'
import json, sqlite3, sys
from pmtiles.reader import Reader, MmapSource
db = sqlite3.connect(sys.argv[1])
meta = dict(db.execute("SELECT name, value FROM metadata"))
with open(sys.argv[2], "rb") as f:
    r = Reader(MmapSource(f))
    h, m = r.header(), r.metadata()
    n = bad = 0
    for z, x, tms, data in db.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles"):
        n += 1
        bad += r.get(z, x, (1 << z) - 1 - tms) != bytes(data)
    same_meta = all(m.get(k) == v for k, v in meta.items() if k != "json")
    legend = json.loads(meta["json"]).keys() <= m.keys() if "json" in meta else True
    zooms = (h["min_zoom"], h["max_zoom"]) == (int(meta["minzoom"]), int(meta["maxzoom"]))
    print(f"{sys.argv[2]}: {n} tiles, {bad} differ from the MBTiles tile; metadata kept: {same_meta}; "
          f"json members merged: {legend}; zooms in header: {zooms}; root {h['root_length']} B, leaves {h['leaf_directory_length']} B")
    assert bad == 0 and same_meta and legend and zooms
PY
done
echo "pmtiles: every tile read back equal through the reference reader"
