#!/usr/bin/env bash
# Ingest benchmark: pandas.read_csv versus `patroliq ingest` on the same files, in one run.
# Prints best-of-N wall times and the ratio; also the peak RSS of an 8 M-row ingest (BIG=1).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
OUT=bench/out
RUNS=${RUNS:-3}
mkdir -p "$OUT"
# The peer is pandas alone, as in the design notes' measurements: with pyarrow installed, pandas 3
# switches to Arrow-backed strings and read_csv changes speed, so that case is reported separately.
peer_venv bench/.venv-pandas pandas pandas
PY=bench/.venv-pandas/bin/python

[ -f "$OUT/demo500k.csv" ] || "$BIN" generate --rows 500000 --seed 42 --out "$OUT/demo500k.csv"
files=("$OUT/demo500k.csv")
REAL=../shared/data/chicago/chicago_crimes_merged_sample.csv
[ -f "$REAL" ] && files+=("$REAL")

$PY - "$BIN" "$OUT" "$RUNS" "${files[@]}" <<'PY'
import subprocess, sys, time, pandas as pd
bin_, out, runs, files = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
sys.path.insert(0, "bench")
from benchlib import record
for f in files:
    a = b = c = 1e9
    # Each tool's runs back to back (best of N), the peer first, in the same process run.
    for _ in range(runs):
        t = time.perf_counter(); df = pd.read_csv(f); t1 = time.perf_counter()
        pd.to_datetime(df["Date"], format="%m/%d/%Y %I:%M:%S %p", errors="coerce"); t2 = time.perf_counter()
        a, b = min(a, t1 - t), min(b, t2 - t)
    rows = len(df)
    del df
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([bin_, "ingest", f, "--workspace", f"{out}/ws.sqlite"], check=True, stdout=subprocess.DEVNULL)
        c = min(c, time.perf_counter() - t)
    print(f"{f.split('/')[-1]} ({rows} rows, pandas {pd.__version__}, best of {runs})")
    print(f"  pandas.read_csv               {a:6.3f} s")
    print(f"  pandas.read_csv + to_datetime {b:6.3f} s")
    print(f"  patroliq ingest (all stages)  {c:6.3f} s")
    print(f"  ratio read_csv / ingest       {a / c:6.2f}x")
    print(f"  ratio read_csv+dates / ingest {b / c:6.2f}x")
    record(f"ingest {f.split('/')[-1]} ({rows} rows; pandas read_csv)", a, c, None, f"read_csv + to_datetime {b:.2f} s")
PY
if [ -x bench/.venv/bin/python ] && bench/.venv/bin/python -c "import pyarrow, pandas" 2> /dev/null; then
  bench/.venv/bin/python - "${files[0]}" <<'PY'
import sys, time, pandas as pd
f = sys.argv[1]; best = 1e9
for _ in range(3):
    t = time.perf_counter(); pd.read_csv(f); best = min(best, time.perf_counter() - t)
print(f"  (pandas {pd.__version__} with pyarrow installed, Arrow-backed strings: read_csv {best:.3f} s)")
PY
fi

if [ "${BIG:-0}" = 1 ]; then
  [ -f "$OUT/demo8m.csv" ] || "$BIN" generate --rows 8000000 --seed 42 --out "$OUT/demo8m.csv"
  for extra in "" "--recent 500000"; do
    /usr/bin/time -f '%e %M' -o "$OUT/time.txt" "$BIN" ingest "$OUT/demo8m.csv" --workspace "$OUT/ws8m.sqlite" $extra > /dev/null
    read -r secs kb < "$OUT/time.txt"
    printf '8 M rows %-16s %6.2f s, peak RSS %d MiB\n' "${extra:-(all)}" "$secs" "$((kb / 1024))"
  done
fi
