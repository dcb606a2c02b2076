#!/usr/bin/env bash
# A sweep split into 4 shards run by GNU parallel (resources/hpc/sweep-parallel.sh), merged, and
# compared with the same sweep on one machine; running the script again resumes and changes nothing.
# usage: parallel.sh F3STUDIO_CLI SOURCE_DIR SCRATCH_DIR
set -euo pipefail
CLI=$1 SRC=$2 WORK=$3
. "$SRC/tests/hpc/common.sh"
command -v parallel > /dev/null || fail "GNU parallel is not installed (Debian package parallel; tools/dev.sh installs it)"
rm -rf "$WORK"
mkdir -p "$WORK"

run_script() { F3STUDIO_CLI="$CLI" PARALLEL_SHARDS=2 "$SRC/resources/hpc/sweep-parallel.sh" "$sweep_config" 4 "$WORK/merged.json" "${sweep_options[@]}"; }

run_script > "$WORK/first.out" 2> "$WORK/first.err" || fail "sweep-parallel.sh failed: $(cat "$WORK/first.err")"
cat "$WORK/first.out"
[ "$(count_run_lines "$WORK/first.out")" -eq "$sweep_runs" ] || fail "expected $sweep_runs finished-run lines"
[ "$(ls "$WORK"/merged.parts/part-*.json | wc -l)" -eq 4 ] || fail "expected 4 part files"
check_merged "$WORK/merged.json"

# Two shards of four: a merged file with runs missing (test hpc_merged_in_app opens it in the app).
"$CLI" merge "$WORK/partial.json" "$WORK"/merged.parts/part-{0,2}.json > "$WORK/partial.out"
grep -q "runs: $sweep_runs, done: 11, missing: 10, failed: 0" "$WORK/partial.out" || fail "the partial merge miscounted: $(cat "$WORK/partial.out")"

cp "$WORK/merged.json" "$WORK/merged-first.json"
run_script > "$WORK/again.out" 2> "$WORK/again.err" || fail "sweep-parallel.sh failed again: $(cat "$WORK/again.err")"
[ "$(count_run_lines "$WORK/again.out")" -eq 0 ] || fail "running the finished shards again trained runs again"
cmp "$WORK/merged.json" "$WORK/merged-first.json" || fail "merging again changed the merged file"
echo "PASS"
