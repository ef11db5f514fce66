#!/usr/bin/env bash
# Tile benchmark: the same z10–14 pyramid over the same points with datashader (count aggregation per
# 256-px tile, shaded, PNG-encoded) and with `patroliq tiles` (KDE, palette PNG, MBTiles). Ratio printed;
# the stores are then checked with gdalinfo and pngcheck when those are installed.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
OUT=bench/out
mkdir -p "$OUT"
# datashader exports PNG through Pillow, which it does not install itself.
peer_venv bench/.venv datashader,PIL pandas datashader pillow
PY=bench/.venv/bin/python
CSV=${CSV:-$OUT/demo500k.csv}
[ -f "$CSV" ] || "$BIN" generate --rows 500000 --seed 42 --out "$CSV"
[ -f "$OUT/bench.sqlite" ] || "$BIN" ingest "$CSV" --workspace "$OUT/bench.sqlite" > /dev/null

t0=$(date +%s.%N)
"$BIN" tiles --workspace "$OUT/bench.sqlite" --minzoom 10 --maxzoom 14 --out "$OUT/bench_all.mbtiles" > "$OUT/tiles.txt"
t1=$(date +%s.%N)
ours=$($PY -c "print($t1 - $t0)")
cat "$OUT/tiles.txt" | head -1

$PY - "$OUT" "$ours" <<'PY'
import io, math, sqlite3, sys, time
import numpy as np, pandas as pd
import datashader as ds, datashader.transfer_functions as tf
out, ours = sys.argv[1], float(sys.argv[2])
sys.path.insert(0, "bench")
from benchlib import record
db = sqlite3.connect(f"{out}/bench.sqlite")
col = lambda n: np.concatenate([np.frombuffer(b, dtype="<f8") for (b,) in db.execute(
    "SELECT data FROM incident_chunks WHERE name=? ORDER BY chunk", (n,))])
lon, lat = col("longitude"), col("latitude")
t = time.perf_counter()
R = 6378137.0
x = np.radians(lon) * R
y = np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * R
df = pd.DataFrame({"x": x, "y": y})
world = 2 * math.pi * R
n = 0
for z in range(10, 15):
    size = world / 2 ** z
    tx0, tx1 = int((x.min() + world / 2) // size), int((x.max() + world / 2) // size)
    ty0, ty1 = int((world / 2 - y.max()) // size), int((world / 2 - y.min()) // size)
    for tx in range(tx0, tx1 + 1):
        for ty in range(ty0, ty1 + 1):
            xr = (tx * size - world / 2, (tx + 1) * size - world / 2)
            yr = (world / 2 - (ty + 1) * size, world / 2 - ty * size)
            agg = ds.Canvas(plot_width=256, plot_height=256, x_range=xr, y_range=yr).points(df, "x", "y")
            img = tf.shade(agg, cmap=["lightyellow", "darkred"], how="eq_hist")
            buf = io.BytesIO(); img.to_pil().save(buf, format="PNG"); n += 1
dt = time.perf_counter() - t
print(f"datashader {ds.__version__}: {n} tiles z10-14 in {dt:.2f} s; patroliq: {ours:.2f} s (whole command, KDE); ratio {dt / ours:.1f}x")
record("heatmap tiles z10-14, 500 000 rows (datashader)", dt, ours, None, f"{n} datashader tiles; ours KDE, whole command")
PY

if command -v gdalinfo > /dev/null; then
  gdalinfo "$OUT/bench_all.mbtiles" | grep -E "^Driver|^Size|ZOOM_LEVEL|^Band 1|Overviews" | head -6
fi
if command -v pngcheck > /dev/null; then
  rm -rf "$OUT/tiles_dir"
  "$BIN" tiles export-dir --mbtiles "$OUT/bench_all.mbtiles" --out "$OUT/tiles_dir" > /dev/null
  n=$(find "$OUT/tiles_dir" -name '*.png' | wc -l)
  if find "$OUT/tiles_dir" -name '*.png' -print0 | xargs -0 pngcheck -q; then echo "pngcheck: all $n tiles OK"; fi
fi
