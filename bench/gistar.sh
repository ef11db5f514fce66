#!/usr/bin/env bash
# Gi* parity and speed: `patroliq hotspots` against PySAL (esda.G_Local(star=True, transform="B",
# permutations=0) with libpysal.weights.DistanceBand(binary=True) on the same cell centres and counts),
# on the 500 000-row demo and on the real extract in ../shared/data/chicago when present. Prints the
# largest z difference, whether the FDR classes agree, both times (PySAL's including the weights) and
# the ratio. PySAL goes into the git-ignored bench/.venv-gistar.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
VENV=bench/.venv-gistar
peer_venv "$VENV" esda,libpysal,scipy esda libpysal pandas
OUT=bench/out/gistar
mkdir -p "$OUT"
[ -f "$OUT/demo.csv" ] || "$BIN" generate --rows 500000 --seed 42 --out "$OUT/demo.csv" > /dev/null
sets=("demo:$OUT/demo.csv")
REAL=../shared/data/chicago/chicago_crimes_merged_sample.csv
[ -f "$REAL" ] && sets+=("real:$REAL") || echo "real extract absent: demo only"
for s in "${sets[@]}"; do
  name=${s%%:*}; file=${s#*:}
  "$BIN" ingest "$file" --workspace "$OUT/$name.sqlite" > /dev/null
  # Best of 3 for both sides.
  best=999999 analysis=999999
  for _ in 1 2 3; do
    t0=$(date +%s%N)
    line=$("$BIN" hotspots --workspace "$OUT/$name.sqlite" --out "$OUT/$name" --csv "$OUT/$name.cells.csv" --no-tiles --no-store)
    t=$(( ($(date +%s%N) - t0) / 1000000 ))
    [ "$t" -lt "$best" ] && best=$t
    a=$(sed -E 's/.*FDR ([0-9.]+) ms.*/\1/' <<< "$line")
    analysis=$(python3 -c "print(min($analysis, $a))")
  done
  "$BIN" hotspots --workspace "$OUT/$name.sqlite" --out "$OUT/$name" --csv "$OUT/$name.knn.csv" --weights knn --k 8 \
    --no-tiles --no-store > /dev/null
  "$VENV/bin/python" - "$OUT/$name.cells.csv" "$best" "$name" "$analysis" "$OUT/$name.knn.csv" << 'PY'
import sys, time
import numpy as np, pandas as pd
from scipy import stats
import libpysal, esda
cells = pd.read_csv(sys.argv[1])
ours_ms, name, analysis_ms = float(sys.argv[2]), sys.argv[3], float(sys.argv[4])
coords = cells[["x", "y"]].to_numpy()
y = cells["count"].to_numpy(dtype=float)
cell = np.min(np.diff(np.unique(np.round(coords[:, 0], 6))))
best = 1e9
for _ in range(3):
    t0 = time.perf_counter()
    w = libpysal.weights.DistanceBand(coords, threshold=1.5 * cell + 1e-6, binary=True, silence_warnings=True)
    g = esda.G_Local(y, w, transform="B", star=True, permutations=0)
    best = min(best, time.perf_counter() - t0)
z = np.asarray(g.Zs)
dz = np.max(np.abs(z - cells["z"].to_numpy()))
# The same FDR classes from PySAL's z: two-sided p, Benjamini-Hochberg q, 0.01 / 0.05 / 0.10.
p = 2 * stats.norm.sf(np.abs(z))
order = np.argsort(p, kind="stable"); m = len(p)
q = np.empty(m); running = 1.0
for rank in range(m, 0, -1):
    i = order[rank - 1]; running = min(running, p[i] * m / rank); q[i] = min(running, 1.0)
cls = np.where(q <= 0.01, 3, np.where(q <= 0.05, 2, np.where(q <= 0.10, 1, 0))) * np.sign(z)
same = int(np.sum(cls.astype(int) == cells["class"].to_numpy()))
print(f"{name}: {m} cells; max |z(patroliq) - z(esda)| = {dz:.2e} ({'ok' if dz <= 1e-6 else 'OVER 1e-6'}); "
      f"FDR classes identical: {same == m} ({same}/{m})")
print(f"{name}: esda + DistanceBand {best * 1000:.1f} ms; patroliq grid + weights + Gi* + FDR {analysis_ms:.1f} ms "
      f"(ratio {best * 1000 / analysis_ms:.1f}x); whole patroliq command (read 500 k rows, analyse, write GeoJSON "
      f"and CSV) {ours_ms:.0f} ms (ratio {best * 1000 / ours_ms:.1f}x)")
# k nearest (k = 8, plus the cell itself): PySAL's KNN breaks ties at the k-th distance by its KD-tree,
# PatrolIQ by row then column, so cells with a tie there may differ; all others must agree.
knn = pd.read_csv(sys.argv[5])
kc = knn[["x", "y"]].to_numpy()
wk = libpysal.weights.KNN(kc, k=8)
zk = np.asarray(esda.G_Local(knn["count"].to_numpy(dtype=float), wk, transform="B", star=True, permutations=0).Zs)
tree = libpysal.cg.KDTree(kc)
d, _ = tree.query(kc, k=10)
tie = np.isclose(d[:, 8], d[:, 9])
dk = np.abs(zk - knn["z"].to_numpy())
print(f"{name}: knn k=8: max |dz| over the {int((~tie).sum())} cells without a tie at the 8th neighbour = "
      f"{dk[~tie].max():.2e} ({'ok' if dk[~tie].max() <= 1e-6 else 'OVER 1e-6'}); {int(tie.sum())} cells with a tie, "
      f"max |dz| there {dk[tie].max() if tie.any() else 0:.2e}")
PY
done
