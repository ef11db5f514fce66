#!/usr/bin/env bash
# Integration check of `patroliq runs export-mlflow` against a real MLflow tracking server on loopback.
# Skips (exit 0, with a message) when MLflow is not installed in bench/.venv; install it with
#   bench/.venv/bin/pip install mlflow
set -euo pipefail
cd "$(dirname "$0")/.."
PY=bench/.venv/bin/python
if ! [ -x "$PY" ] || ! "$PY" -c "import mlflow" 2>/dev/null; then
  echo "SKIP: mlflow is not installed in bench/.venv (bench/.venv/bin/pip install mlflow)"; exit 0
fi
. bench/common.sh
WORK=$(mktemp -d)
PORT=${PORT:-5055}
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
# Artifacts go through the tracking server's proxy (mlflow-artifacts:/ URIs), as a shared server runs.
bench/.venv/bin/mlflow server --host 127.0.0.1 --port "$PORT" --backend-store-uri "sqlite:///$WORK/mlflow.db" \
  --artifacts-destination "$WORK/artifacts" > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$PORT/health" > /dev/null && break; sleep 1; done
"$BIN" generate --rows 20000 --seed 1 --out "$WORK/d.csv" > /dev/null
"$BIN" ingest "$WORK/d.csv" --workspace "$WORK/ws.sqlite" > /dev/null
"$BIN" cluster --workspace "$WORK/ws.sqlite" --algorithms kmeans,dbscan --k 5...6 > /dev/null
"$BIN" cluster --workspace "$WORK/ws.sqlite" --algorithms kmeans --k 7 > /dev/null
"$BIN" runs export-mlflow --workspace "$WORK/ws.sqlite" --tracking-uri "http://127.0.0.1:$PORT" --experiment it
"$BIN" runs export-mlflow --workspace "$WORK/ws.sqlite" --tracking-uri "http://127.0.0.1:$PORT" --experiment it | grep -q "exported 0 run(s).*(2 already there)"
# The workspace rebuilt from the same CSV numbers its runs from 1 again: a new run is still exported.
"$BIN" ingest "$WORK/d.csv" --workspace "$WORK/ws.sqlite" > /dev/null
"$BIN" cluster --workspace "$WORK/ws.sqlite" --algorithms kmeans --k 8 --seed 3 > /dev/null
# A backtest run goes along with its kind, MLflow-legal metric names and its result as an artifact.
"$BIN" backtest --workspace "$WORK/ws.sqlite" --max-folds 3 > /dev/null
"$BIN" runs export-mlflow --workspace "$WORK/ws.sqlite" --tracking-uri "http://127.0.0.1:$PORT" --experiment it | grep -q "exported 2 run(s).*(0 already there)"
# Nothing listening: one clear line within 5 s; https against this plain server: a clear line too.
start=$(date +%s%N)
msg=$("$BIN" runs export-mlflow --workspace "$WORK/ws.sqlite" --tracking-uri http://127.0.0.1:9 2>&1 || true)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "$msg" | grep -q "cannot connect" && [ "$ms" -le 6000 ] || { echo "FAIL: nothing listening: $msg ($ms ms)"; exit 1; }
msg=$("$BIN" runs export-mlflow --workspace "$WORK/ws.sqlite" --tracking-uri "https://127.0.0.1:$PORT" 2>&1 || true)
[ "$(echo "$msg" | wc -l)" = 1 ] && echo "$msg" | grep -q "TLS" || { echo "FAIL: https on http: $msg"; exit 1; }
"$PY" - "$PORT" <<'PY'
import sys, mlflow
from mlflow.tracking import MlflowClient
mlflow.set_tracking_uri(f"http://127.0.0.1:{sys.argv[1]}")
runs = mlflow.search_runs(experiment_names=["it"])
assert len(runs) == 4, runs
client = MlflowClient()
backtest = runs[runs["tags.patroliq.kind"] == "backtest"]
assert len(backtest) == 1, runs["tags.patroliq.kind"]
assert backtest.iloc[0]["metrics.kde.pai_at_5pct"] > 1, backtest.iloc[0]
assert "backtest.json" in {a.path for a in client.list_artifacts(backtest.iloc[0].run_id)}
runs = runs[runs["tags.patroliq.kind"] == "cluster"]
assert set(runs["params.kmeans.k_range"]) == {"5...6", "7...7", "8...8"}, runs["params.kmeans.k_range"]
assert (runs["metrics.kmeans.silhouette"] > 0).all()
first = runs[runs["params.kmeans.k_range"] == "5...6"].iloc[0]
steps = sorted(m.step for m in client.get_metric_history(first.run_id, "kmeans.sweep.silhouette"))
assert steps == [5, 6], steps
files = {a.path for a in client.list_artifacts(first.run_id)} | {a.path for a in client.list_artifacts(first.run_id, "geojson")}
assert "ward_linkage.json" in files or "geojson/centroids.geojson" in files, files
assert "geojson/centroids.geojson" in files, files
print("MLflow integration: 3 cluster runs and a backtest mirrored (after a rebuild), k sweep by step, GeoJSON and backtest artifacts, "
      "re-export skipped, clear errors: 1 passed, 0 failed")
PY
