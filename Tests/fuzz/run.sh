#!/usr/bin/env bash
# Fuzzes the CSV reader and the time and box parsers with libFuzzer and AddressSanitizer.
#   Tests/fuzz/run.sh             10 million executions (RUNS=…, JOBS=… to change)
# The seed corpus is in corpus/; what libFuzzer learns goes to the git-ignored .corpus/. A crash,
# hang (over 10 s) or sanitizer report stops the run with a non-zero exit and a crash-* file here.
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${RUNS:-10000000}
JOBS=${JOBS:-1}
swift build -c release --product FuzzParsers 2>&1 | tail -1
mkdir -p .corpus
start=$(date +%s)
if [ "$JOBS" -gt 1 ]; then
  # Each job runs its share of the executions.
  per=$((RUNS / JOBS))
  for j in $(seq "$JOBS"); do
    .build/release/FuzzParsers -runs="$per" -max_len=4096 -timeout=10 -seed="$j" -print_final_stats=1 .corpus corpus \
      > "fuzz-$j.log" 2>&1 &
  done
  fail=0
  for j in $(seq "$JOBS"); do wait -n || fail=1; done
  grep -h "stat::number_of_executed_units" fuzz-*.log
  [ "$fail" = 0 ] || { echo "fuzz: FAILED (see fuzz-*.log)"; exit 1; }
else
  .build/release/FuzzParsers -runs="$RUNS" -max_len=4096 -timeout=10 -print_final_stats=1 .corpus corpus \
    > fuzz-1.log 2>&1 || { tail -30 fuzz-1.log; echo "fuzz: FAILED"; exit 1; }
  grep -h "stat::number_of_executed_units" fuzz-1.log
fi
echo "fuzz: $RUNS executions in $(( $(date +%s) - start )) s, 0 crashes"
