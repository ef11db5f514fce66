# Sourced by the bench scripts from the repository root: the results row, the release binary and the
# peers' virtual environments, so each script states only what it compares.

# `record NAME PEER_SECONDS OURS_SECONDS OURS_PEAK_KB NOTE` appends one row to RESULTS
# (bench/out/results.tsv), which bench/run prints as one table (peer or ours may be "-").
export RESULTS=${RESULTS:-$(pwd)/bench/out/results.tsv}
record() {
  mkdir -p "$(dirname "$RESULTS")"
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >> "$RESULTS"
}

# The release binary the scripts time, built when missing.
BIN=${BIN:-.build/release/patroliq}
[ -x "$BIN" ] || swift build -c release --static-swift-stdlib --product patroliq

# `peer_venv DIR MODULES PACKAGE…`: the git-ignored venv at DIR, with PACKAGE… installed unless its
# python already imports MODULES (comma separated).
peer_venv() {
  local dir=$1 modules=$2
  shift 2
  "$dir/bin/python" -c "import $modules" 2> /dev/null && return 0
  [ -x "$dir/bin/python" ] || python3 -m venv "$dir"
  "$dir/bin/pip" install -q "$@"
}
