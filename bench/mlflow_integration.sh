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
BIN=.build/release/patroliq
[ -x "$BIN" ] || swift build -c release --static-swift-stdlib --product patroliq
WORK=$(mktemp -d)
PORT=${PORT:-5055}
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
bench/.venv/bin/mlflow server --host 127.0.0.1 --port "$PORT" --backend-store-uri "sqlite:///$WORK/mlflow.db" \
  --default-artifact-root "$WORK/artifacts" > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$PORT/health" > /dev/null && break; sleep 1; done
"$BIN" generate --rows 20000 --seed 1 --out "$WORK/d.csv" > /dev/null
"$BIN" ingest "$WORK/d.csv" --workspace "$WORK/ws.sqlite" > /dev/null
"$BIN" cluster --workspace "$WORK/ws.sqlite" --algorithms kmeans,dbscan --k 5...6 > /dev/null
"$BIN" cluster --workspace "$WORK/ws.sqlite" --algorithms kmeans --k 7 > /dev/null
"$BIN" runs export-mlflow --workspace "$WORK/ws.sqlite" --tracking-uri "http://127.0.0.1:$PORT" --experiment it
"$BIN" runs export-mlflow --workspace "$WORK/ws.sqlite" --tracking-uri "http://127.0.0.1:$PORT" --experiment it | grep -q "exported 0 run(s).*(2 already there)"
"$PY" - "$PORT" <<'PY'
import sys, mlflow
mlflow.set_tracking_uri(f"http://127.0.0.1:{sys.argv[1]}")
runs = mlflow.search_runs(experiment_names=["it"])
assert len(runs) == 2, runs
assert set(runs["params.kmeans.k_range"]) == {"5...6", "7...7"}, runs["params.kmeans.k_range"]
assert (runs["metrics.kmeans.silhouette"] > 0).all()
print("MLflow integration: 2 runs mirrored with params and metrics, re-export skipped: 1 passed, 0 failed")
PY
