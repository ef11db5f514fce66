#!/usr/bin/env bash
# Live (on-demand) filtered heatmap tiles: `patroliq serve` /tiles/live/… against datashader rendering
# the same filtered tiles from a pandas DataFrame (filter + aggregate + shade + PNG per tile), on the
# 500 000-row generated demo, both cores. Prints per-tile latencies (first tile of a new filter, other
# uncached tiles, cached tiles, and the MBTiles fast path for reference), a whole 1280×800 view (24 tiles,
# 6 connections as a browser), /api/stats?FILTERS, and the ratio to datashader. Peers go into the
# git-ignored bench/.venv (pandas, datashader, Pillow).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
OUT=bench/out
mkdir -p "$OUT"
peer_venv bench/.venv datashader,PIL,pandas pandas datashader pillow
PY=bench/.venv/bin/python
CSV=${CSV:-$OUT/demo500k.csv}
[ -f "$CSV" ] || "$BIN" generate --rows 500000 --seed 42 --out "$CSV" > /dev/null
"$BIN" ingest "$CSV" --workspace "$OUT/live.sqlite" > /dev/null
"$BIN" tiles --workspace "$OUT/live.sqlite" --minzoom 12 --maxzoom 16 --out "$OUT/live_tiles/all.mbtiles" > /dev/null 2>&1 \
  || { mkdir -p "$OUT/live_tiles" && "$BIN" tiles --workspace "$OUT/live.sqlite" --minzoom 12 --maxzoom 16 --out "$OUT/live_tiles/all.mbtiles" > /dev/null; }
PORT=${PORT:-$((20000 + RANDOM % 20000))}
"$BIN" serve --workspace "$OUT/live.sqlite" --tiles "$OUT/live_tiles" --geojson "$OUT" --port "$PORT" --log-level warning \
  > "$OUT/live-serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2> /dev/null' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/health" > /dev/null && break; sleep 0.2; done
# Load the incidents into the server's memory once (what a running server has done long before).
curl -sf "http://127.0.0.1:$PORT/api/stats?types=THEFT" > /dev/null
RSS=$(ps -o rss= -p $SERVER)

$PY - "$PORT" "$OUT/live.sqlite" "$RSS" << 'PY'
import http.client, io, math, sqlite3, sys, time, json
from concurrent.futures import ThreadPoolExecutor
import numpy as np, pandas as pd
import datashader as ds, datashader.transfer_functions as tf

port, db_path, rss_kib = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
FILTERS = [
    ("types=ROBBERY,ASSAULT&days=fri,sat&hours=22-4", {"types": ["ROBBERY", "ASSAULT"], "days": [4, 5], "hours": [22, 23, 0, 1, 2, 3], "shift": 22}),
    ("types=THEFT&hours=8-18", {"types": ["THEFT"], "hours": list(range(8, 18))}),
    ("types=BATTERY&days=weekend", {"types": ["BATTERY"], "days": [5, 6]}),
    ("types=BURGLARY,MOTOR%20VEHICLE%20THEFT", {"types": ["BURGLARY", "MOTOR VEHICLE THEFT"]}),
    ("hours=0-6&days=mon,tue,wed,thu", {"hours": list(range(0, 6)), "days": [0, 1, 2, 3]}),
]

def tile_of(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n)
    return x, y

def tiles_around(z, k):
    x0, y0 = tile_of(-87.66, 41.86, z)
    out = []
    r = 0
    while len(out) < k:
        for dx in range(-r, r + 1):
            for dy in range(-r, r + 1):
                if max(abs(dx), abs(dy)) == r and len(out) < k:
                    out.append((z, x0 + dx, y0 + dy))
        r += 1
    return out

import threading
local = threading.local()
def get(path):
    c = getattr(local, "c", None)
    if c is None:
        c = local.c = http.client.HTTPConnection("127.0.0.1", port)
    t = time.perf_counter()
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    assert r.status in (200, 204), (path, r.status, body[:200])
    return (time.perf_counter() - t) * 1000, body

def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(math.ceil(p / 100 * len(v))) - 1)]

first, uncached, cached, fast = [], [], [], []
for q, _ in FILTERS:
    tiles = [t for z in (12, 13, 14, 15, 16) for t in tiles_around(z, 8)]
    for i, (z, x, y) in enumerate(tiles):
        ms, _ = get(f"/tiles/live/{z}/{x}/{y}.png?{q}")
        (first if i == 0 else uncached).append(ms)
    for (z, x, y) in tiles:
        cached.append(get(f"/tiles/live/{z}/{x}/{y}.png?{q}")[0])
        fast.append(get(f"/tiles/all/{z}/{x}/{y}.png")[0])

# A whole 1280×800 view at z14 for a new filter: 6 × 4 tiles over 6 connections, as a browser.
view_q = "types=THEFT,BATTERY,ASSAULT&days=thu,fri&hours=20-2"
view = tiles_around(14, 24)
def fetch(t):
    return get(f"/tiles/live/{t[0]}/{t[1]}/{t[2]}.png?{view_q}")[0]
t0 = time.perf_counter()
with ThreadPoolExecutor(6) as ex:
    list(ex.map(fetch, view))
view_ms = (time.perf_counter() - t0) * 1000
stats_ms = [get(f"/api/stats?{q}&since=2024-0{k}-01")[0] for k in range(1, 6) for q, _ in FILTERS]

# datashader: the same filters and tiles from a DataFrame.
db = sqlite3.connect(db_path)
def col(n, dt):
    return np.concatenate([np.frombuffer(b, dtype=dt) for (b,) in db.execute(
        "SELECT data FROM incident_chunks WHERE name=? ORDER BY chunk", (n,))])
names = [v for (v,) in db.execute("SELECT value FROM dictionaries WHERE name='type' ORDER BY code")]
R = 6378137.0
lon, lat = col("longitude", "<f8"), col("latitude", "<f8")
df = pd.DataFrame({"x": np.radians(lon) * R, "y": np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * R,
                   "type": pd.Categorical.from_codes(col("type", "<i4"), names), "hour": col("hour", "u1"),
                   "weekday": col("weekday", "u1")})
def bounds(z, x, y):
    n = 2 ** z; size = 2 * math.pi * R / n
    x0 = -math.pi * R + x * size; y1 = math.pi * R - y * size
    return (x0, x0 + size), (y1 - size, y1)
def ds_tile(spec, z, x, y):
    m = np.ones(len(df), dtype=bool)
    if "types" in spec: m &= df["type"].isin(spec["types"]).to_numpy()
    if "hours" in spec: m &= df["hour"].isin(spec["hours"]).to_numpy()
    if "days" in spec:
        wd = df["weekday"].to_numpy().astype(int)
        if "shift" in spec:  # a night shift counts the early hours for the day it started
            wd = np.where(df["hour"].to_numpy() < spec["shift"], (wd + 6) % 7, wd)
        m &= np.isin(wd, spec["days"])
    xr, yr = bounds(z, x, y)
    cvs = ds.Canvas(plot_width=256, plot_height=256, x_range=xr, y_range=yr)
    img = tf.shade(cvs.points(df[m], "x", "y"), cmap=["#fff3b0", "#b3122e"], how="eq_hist")
    buf = io.BytesIO(); img.to_pil().save(buf, format="PNG")
    return buf.getvalue()
ds_ms = []
for q, spec in FILTERS:
    for (z, x, y) in [t for z in (12, 13, 14, 15, 16) for t in tiles_around(z, 8)][:20]:
        t = time.perf_counter(); ds_tile(spec, z, x, y); ds_ms.append((time.perf_counter() - t) * 1000)

ours_all = first + uncached
print(f"live tiles, 500 000 rows, {len(FILTERS)} filters × 40 tiles (z12–16):")
print(f"  first tile of a new filter (mask + cap + tile): median {np.median(first):.1f} ms, max {max(first):.1f} ms")
print(f"  other uncached tiles: median {np.median(uncached):.1f} ms, p99 {pct(uncached, 99):.1f} ms (target ≤ 25 ms)")
print(f"  all uncached incl. first: p99 {pct(ours_all, 99):.1f} ms")
print(f"  cached live tiles: median {np.median(cached):.2f} ms, p99 {pct(cached, 99):.2f} ms; MBTiles fast path: median {np.median(fast):.2f} ms, p99 {pct(fast, 99):.2f} ms")
print(f"  a 1280×800 view (24 tiles, 6 connections) of a new filter: {view_ms:.0f} ms (target ≤ 300 ms)")
print(f"  /api/stats?FILTERS: median {np.median(stats_ms):.1f} ms, p99 {pct(stats_ms, 99):.1f} ms (target ≤ 30 ms)")
print(f"  server RSS after loading: {rss_kib / 1024:.0f} MiB")
print(f"datashader per filtered tile (filter + aggregate + shade + PNG): median {np.median(ds_ms):.1f} ms, p99 {pct(ds_ms, 99):.1f} ms")
print(f"ratio per tile (median): {np.median(ds_ms) / np.median(ours_all):.1f}x (target ≥ 10x)")
PY
