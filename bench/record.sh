# Sourced by the bench scripts: `record NAME PEER_SECONDS OURS_SECONDS OURS_PEAK_KB NOTE` appends one row
# to bench/out/results.tsv, which bench/run prints as one table (peer or ours may be "-").
record() {
  local f=${RESULTS:-bench/out/results.tsv}
  mkdir -p "$(dirname "$f")"
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >> "$f"
}
