#!/usr/bin/env bash
# Clustering benchmark: scikit-learn (K-Means sweep, DBSCAN) and fastcluster (Ward) versus `patroliq cluster`
# on the same points (read straight from the workspace), in one run. Prints times, ratios, agreement, memory.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/patroliq
OUT=bench/out
ROWS=${ROWS:-500000}
WARD_N=${WARD_N:-20000}
mkdir -p "$OUT"
[ -x "$BIN" ] || swift build -c release --static-swift-stdlib --product patroliq
if ! bench/.venv/bin/python -c "import sklearn, fastcluster" 2>/dev/null; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q pandas scikit-learn scipy fastcluster
fi
PY=bench/.venv/bin/python
CSV=${CSV:-$OUT/demo500k.csv}
[ -f "$CSV" ] || "$BIN" generate --rows 500000 --seed 42 --out "$CSV"
"$BIN" ingest "$CSV" --workspace "$OUT/bench.sqlite" --recent "$ROWS" > /dev/null
"$BIN" ingest "$CSV" --workspace "$OUT/ward.sqlite" --recent "$WARD_N" > /dev/null
REAL=../shared/data/chicago/chicago_crimes_merged_sample.csv

timed() { /usr/bin/time -f '%e %M' -o "$OUT/t.txt" "$@" > /dev/null; cat "$OUT/t.txt"; }

read -r km_s km_kb < <(timed "$BIN" cluster --workspace "$OUT/bench.sqlite" --algorithms kmeans)
read -r db_s db_kb < <(timed "$BIN" cluster --workspace "$OUT/bench.sqlite" --algorithms dbscan --eps 150 --min-samples 25)
read -r wd_s wd_kb < <(timed "$BIN" cluster --workspace "$OUT/ward.sqlite" --algorithms ward --ward-max-points "$WARD_N" --ward-k 8)

$PY - "$OUT" "$km_s" "$db_s" "$db_kb" "$wd_s" <<'PY'
import json, sqlite3, subprocess, sys, time, resource
import numpy as np
out, km_s, db_s, db_kb, wd_s = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])

def points(path):
    db = sqlite3.connect(path)
    col = lambda n: np.concatenate([np.frombuffer(b, dtype="<f8") for (b,) in db.execute(
        "SELECT data FROM incident_chunks WHERE name=? ORDER BY chunk", (n,))])
    return db, np.column_stack([col("x"), col("y")])

db, X = points(f"{out}/bench.sqlite")
runs = db.execute("SELECT id, algorithms FROM runs ORDER BY id DESC").fetchall()
km_run = next(r for r, a in runs if a == "kmeans"); db_run = next(r for r, a in runs if a == "dbscan")
sweep = json.loads(db.execute("SELECT data FROM run_artifacts WHERE run_id=? AND name='kmeans_sweep'", (km_run,)).fetchone()[0])
ours = {s["k"]: s["inertia"] for s in sweep["scores"]}
print(f"{len(X)} points (projected metres from the workspace)")

from sklearn.cluster import KMeans, DBSCAN
from sklearn.metrics import adjusted_rand_score
t = time.perf_counter()
for k in range(5, 11): KMeans(n_clusters=k, n_init=1, random_state=0).fit(X)
sk_km = time.perf_counter() - t
worst = 0.0
t = time.perf_counter()
for k in range(5, 11):
    best = KMeans(n_clusters=k, n_init=10, random_state=0).fit(X).inertia_
    worst = max(worst, (ours[k] - best) / best)
sk_km10 = time.perf_counter() - t
print(f"K-Means k=5..10  patroliq (20 screened starts, 3 refined, + silhouette/DB/CH per k) {km_s:6.2f} s")
print(f"                 sklearn n_init=10 {sk_km10:6.2f} s  ratio {sk_km10 / km_s:5.2f}x   sklearn n_init=1 {sk_km:6.2f} s  ratio {sk_km / km_s:5.2f}x")
print(f"                 worst inertia vs sklearn best of 10: {100 * worst:+.3f} % (negative: ours lower)")

t = time.perf_counter()
sk = DBSCAN(eps=150, min_samples=25).fit(X)
sk_db = time.perf_counter() - t
sk_mem = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
labels = np.frombuffer(db.execute("SELECT labels FROM run_labels WHERE run_id=? AND algorithm='dbscan'", (db_run,)).fetchone()[0], dtype="<i4")
core = np.frombuffer(db.execute("SELECT data FROM run_artifacts WHERE run_id=? AND name='dbscan_core'", (db_run,)).fetchone()[0], dtype="<i4")
same_core = np.array_equal(np.sort(core), np.sort(sk.core_sample_indices_))
same_noise = np.array_equal(labels < 0, sk.labels_ < 0)
print(f"DBSCAN 150 m/25  sklearn {sk_db:7.2f} s   patroliq (+metrics) {db_s:6.2f} s   ratio {sk_db / db_s:5.2f}x")
print(f"                 ARI {adjusted_rand_score(sk.labels_, labels):.6f}, identical labels {np.array_equal(sk.labels_, labels)}, same core set {same_core}, same noise set {same_noise}")
print(f"                 peak RSS: python+sklearn {sk_mem // 1024} MiB (whole process), patroliq {db_kb // 1024} MiB")

import fastcluster
wdb, W = points(f"{out}/ward.sqlite")
wrun = wdb.execute("SELECT max(id) FROM runs").fetchone()[0]
merges = json.loads(wdb.execute("SELECT data FROM run_artifacts WHERE run_id=? AND name='ward_linkage'", (wrun,)).fetchone()[0])["merges"]
t = time.perf_counter()
Z = fastcluster.linkage_vector(W, method="ward")
fc = time.perf_counter() - t
mine = np.sort([m["height"] for m in merges]); theirs = np.sort(Z[:, 2])
rel = np.max(np.abs(mine - theirs) / np.maximum(theirs, 1e-9))
print(f"Ward {len(W)} pts  fastcluster {fc:7.2f} s   patroliq (+metrics) {wd_s:6.2f} s   ratio {fc / wd_s:5.2f}x   max relative height difference {rel:.2e}")
PY
