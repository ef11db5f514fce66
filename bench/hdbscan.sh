#!/usr/bin/env bash
# HDBSCAN benchmark: scikit-learn's sklearn.cluster.HDBSCAN versus `patroliq cluster --algorithms hdbscan` on
# the same 50 000 points (read straight from the workspace), then PatrolIQ alone on a larger workspace
# (BIG_CSV, e.g. the 8 M-row file: a seeded sample fitted, every other incident labelled by its nearest
# sampled incident). Prints times, ratio, agreement (ARI) and memory.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
OUT=bench/out
N=${N:-50000}
MCS=${MCS:-250}
MS=${MS:-25}
mkdir -p "$OUT"
peer_venv bench/.venv sklearn pandas scikit-learn
PY=bench/.venv/bin/python
CSV=${CSV:-$OUT/demo500k.csv}
[ -f "$CSV" ] || "$BIN" generate --rows 500000 --seed 42 --out "$CSV"
"$BIN" ingest "$CSV" --workspace "$OUT/hdbscan.sqlite" --recent "$N" > /dev/null
timed() { /usr/bin/time -f '%e %M' -o "$OUT/t.txt" "$@" > /dev/null; cat "$OUT/t.txt"; }
read -r hd_s hd_kb < <(timed "$BIN" cluster --workspace "$OUT/hdbscan.sqlite" --algorithms hdbscan \
  --min-cluster-size "$MCS" --hdbscan-min-samples "$MS" --hdbscan-sample "$N")

$PY - "$OUT/hdbscan.sqlite" "$hd_s" "$hd_kb" "$MCS" "$MS" <<'PY'
import json, sqlite3, sys, time, resource, warnings
import numpy as np
path, hd_s, hd_kb, mcs, ms = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
sys.path.insert(0, "bench")
from benchlib import record
db = sqlite3.connect(path)
col = lambda n: np.concatenate([np.frombuffer(b, dtype="<f8") for (b,) in db.execute(
    "SELECT data FROM incident_chunks WHERE name=? ORDER BY chunk", (n,))])
X = np.column_stack([col("x"), col("y")])
run = db.execute("SELECT id FROM runs WHERE algorithms='hdbscan' ORDER BY id DESC").fetchone()[0]
metrics = json.loads(db.execute("SELECT metrics FROM runs WHERE id=?", (run,)).fetchone()[0])
ours = np.frombuffer(db.execute("SELECT labels FROM run_labels WHERE run_id=? AND algorithm='hdbscan'", (run,)).fetchone()[0], dtype="<i4")
from sklearn.cluster import HDBSCAN
from sklearn.metrics import adjusted_rand_score
warnings.simplefilter("ignore", FutureWarning)
t = time.perf_counter()
sk = HDBSCAN(min_cluster_size=mcs, min_samples=ms).fit(X).labels_
sk_s = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
ours_s = metrics["seconds.hdbscan"]
print(f"HDBSCAN {len(X)} points, min_cluster_size {mcs}, min_samples {ms}")
print(f"  patroliq {ours_s:6.2f} s (whole command {hd_s:.2f} s, {hd_kb / 1024:.0f} MiB)  {int(metrics['hdbscan.clusters'])} zones, noise {int(metrics['hdbscan.noise'])}")
print(f"  sklearn  {sk_s:6.2f} s ({rss / 1024:.0f} MiB)  {sk.max() + 1} zones, noise {(sk < 0).sum()}")
print(f"  ratio {sk_s / ours_s:5.1f}x (target ≥ 10x)   ARI {adjusted_rand_score(sk, ours):.4f} (target ≥ 0.99)")
record(f"HDBSCAN {len(X)} points, mcs {mcs}, min_samples {ms}", sk_s, ours_s, hd_kb, f"ARI {adjusted_rand_score(sk, ours):.4f}; sklearn peak {rss // 1024} MiB")
PY

if [ -n "${BIG_CSV:-}" ]; then
  "$BIN" ingest "$BIG_CSV" --workspace "$OUT/hdbscan-big.sqlite" > /dev/null
  read -r big_s big_kb < <(timed "$BIN" cluster --workspace "$OUT/hdbscan-big.sqlite" --algorithms hdbscan)
  "$BIN" runs list --workspace "$OUT/hdbscan-big.sqlite" | tail -1
  echo "HDBSCAN on $BIG_CSV (sampled): $big_s s wall, $((big_kb / 1024)) MiB"
fi
