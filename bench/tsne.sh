#!/usr/bin/env bash
# t-SNE: `patroliq cluster --algorithms tsne` against openTSNE (PyPI) on the same 10 000 incidents and
# the same standardised features (location, cyclic hour/weekday/month, severity, weekend), 2 cores.
# Prints both embedding times, the ratio, and scikit-learn's trustworthiness (k = 10) of both
# embeddings. Peers go into the git-ignored bench/.venv.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
OUT=bench/out
mkdir -p "$OUT"
peer_venv bench/.venv openTSNE,sklearn numpy scikit-learn openTSNE
CSV=${CSV:-$OUT/demo500k.csv}
[ -f "$CSV" ] || "$BIN" generate --rows 500000 --seed 42 --out "$CSV" > /dev/null
"$BIN" ingest "$CSV" --workspace "$OUT/tsne.sqlite" > /dev/null
"$BIN" cluster --workspace "$OUT/tsne.sqlite" --algorithms kmeans,tsne
bench/.venv/bin/python - "$OUT/tsne.sqlite" << 'PY'
import json, sqlite3, sys, time
import numpy as np, openTSNE
from sklearn.manifold import trustworthiness
db = sqlite3.connect(sys.argv[1])
run = db.execute("SELECT max(id) FROM runs").fetchone()[0]
metrics = json.loads(db.execute("SELECT metrics FROM runs WHERE id=?", (run,)).fetchone()[0])
doc = json.loads(db.execute("SELECT data FROM run_artifacts WHERE run_id=? AND name='tsne'", (run,)).fetchone()[0])
rows = np.array(doc["rows"])
def col(n, dt):
    return np.concatenate([np.frombuffer(b, dtype=dt) for (b,) in db.execute(
        "SELECT data FROM incident_chunks WHERE name=? ORDER BY chunk", (n,))])[rows]
h, wd, mo = col("hour", "u1").astype(float), col("weekday", "u1").astype(float), col("month", "u1").astype(float)
X = np.column_stack([col("x", "<f8"), col("y", "<f8"), np.sin(2 * np.pi * h / 24), np.cos(2 * np.pi * h / 24),
                     np.sin(2 * np.pi * wd / 7), np.cos(2 * np.pi * wd / 7), np.sin(2 * np.pi * (mo - 1) / 12),
                     np.cos(2 * np.pi * (mo - 1) / 12), col("severity", "u1").astype(float), col("weekend", "u1").astype(float)])
sd = X.std(axis=0, ddof=1); sd[sd == 0] = 1
X = (X - X.mean(axis=0)) / sd
t = time.perf_counter()
theirs = np.asarray(openTSNE.TSNE(n_jobs=2, random_state=0, perplexity=doc["perplexity"]).fit(X))
their_s = time.perf_counter() - t
ours = np.array(doc["sample"])[:, :2]
ours_s = metrics["seconds.tsne.embed"]
t_ours, t_theirs = trustworthiness(X, ours, n_neighbors=10), trustworthiness(X, theirs, n_neighbors=10)
print(f"t-SNE on {len(rows)} incidents, perplexity {doc['perplexity']:g}, 750 iterations, 2 cores")
print(f"  openTSNE {openTSNE.__version__}: {their_s:.1f} s   patroliq (Barnes–Hut, exact neighbours): {ours_s:.1f} s   ratio {their_s / ours_s:.1f}x (target ≥ 2x)")
print(f"  trustworthiness (sklearn, k = 10): patroliq {t_ours:.4f}, openTSNE {t_theirs:.4f}, difference {t_ours - t_theirs:+.4f} (target within 0.01)")
print(f"  patroliq's own trustworthiness in the run: {metrics.get('tsne.trustworthiness', float('nan')):.4f} (sklearn's {t_ours:.4f})")
PY
